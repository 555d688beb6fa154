#include "plan/placement_policy.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <unordered_map>

#include <fmt/format.h>

#include "plan/feasibility.hpp"
#include "plan/roles.hpp"

namespace rehome::plan {
namespace {

// Only pins, node labels and the edge tell servers apart before anything is placed; every other rule
// (room, spread, conflicts) judges what is already there. Estates of thousands of services skip the
// per-server question for the rest.
bool may_be_confined(const model::Service& svc, const model::Estate& estate) {
  return !svc.placement.pin.empty() || !svc.placement.labels.empty() || needs_edge(svc) ||
         is_edge_proxy(svc, estate);
}

// The servers the plan's rules let the service use whatever else runs there: every rule that is not
// about room, asked with nothing placed (pins, node labels, the edge; a rule added later joins in).
std::vector<std::string> statically_allowed(const model::Service& svc, const FeasibilityRules& rules,
                                            const PlacementContext& ctx) {
  std::vector<std::string> out;
  const ServerLoad empty;
  for (const auto& server : ctx.estate.servers) {
    bool ok = std::all_of(rules.begin(), rules.end(), [&](const auto& rule) {
      return rule->is_capacity() || rule->allows(svc, server, empty, ctx);
    });
    if (ok) out.push_back(server.name);
  }
  return out;
}

std::string state_of(const model::Service& svc) {
  for (const auto& v : svc.volumes)
    if (!v.shared && !v.read_only)
      return fmt::format("{} {}", v.bind ? "bind mount" : "local volume", v.name);
  if (svc.data && !svc.data->engine.empty()) return "its " + svc.data->engine + " data";
  return "its data";
}

// In estate order, the given servers plus those already listed.
std::vector<std::string> in_estate_order(const model::Estate& estate, const std::vector<std::string>& a,
                                         const std::vector<std::string>& b) {
  std::vector<std::string> out;
  for (const auto& s : estate.servers)
    if (std::find(a.begin(), a.end(), s.name) != a.end() || std::find(b.begin(), b.end(), s.name) != b.end())
      out.push_back(s.name);
  return out;
}

}  // namespace

std::string to_string(PinReason r) {
  switch (r) {
    case PinReason::none:
      return "";
    case PinReason::local_state:
      return "local state";
    case PinReason::explicit_pin:
      return "placement.pin";
  }
  return "?";
}

std::string slug(const std::string& name) {
  std::string out;
  for (char c : name) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9');
    if (ok)
      out += l;
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "x" : out;
}

bool PlacementDecision::allows(const std::string& server) const {
  return anywhere || std::find(allowed.begin(), allowed.end(), server) != allowed.end();
}

std::vector<std::string> PlacementDecision::allowed_in(const model::Estate& estate) const {
  if (!anywhere) return allowed;
  std::vector<std::string> out;
  for (const auto& s : estate.servers) out.push_back(s.name);
  return out;
}

const PlacementDecision* Placements::find(const std::string& service) const {
  auto it = index_.find(service);
  return it == index_.end() ? nullptr : &decisions_[it->second];
}

const PlacementDecision& Placements::of(const std::string& service) const {
  if (const auto* d = find(service)) return *d;
  throw std::out_of_range("no placement decision for service " + service);
}

Placements decide_placements(const model::Estate& estate, const Plan& plan) {
  Placements out;
  const PlacementContext ctx(estate, plan.headroom);
  const FeasibilityRules rules = default_feasibility_rules();
  const auto edge = roles_of(plan, estate).edge_names();
  std::unordered_map<std::string, std::vector<std::string>> planned;  // service -> a server per replica
  for (const auto& a : plan.assignments)
    if (estate.find_server(a.server)) planned[a.service].push_back(a.server);

  out.decisions_.reserve(estate.services.size());
  for (const auto& s : estate.services) {
    PlacementDecision d;
    d.service = s.name;
    d.global = s.global;
    for (const auto& server : planned[s.name])
      if (d.per_server[server]++ == 0) d.servers.push_back(server);
    const bool confined = may_be_confined(s, estate);
    auto allowed = confined ? statically_allowed(s, rules, ctx) : std::vector<std::string>{};
    const std::string label = "rehome." + slug(s.name);

    if (s.global) {
      if (d.servers.empty()) {  // a plan may omit global services: they run wherever the rules allow
        d.anywhere = !confined;
        d.servers = d.allowed_in(estate);
        if (confined) d.allowed = allowed;
      } else {
        d.allowed = in_estate_order(estate, d.servers, {});
        d.anywhere = d.allowed.size() == estate.servers.size();
        if (d.anywhere) d.allowed.clear();
      }
      d.per_server.clear();
      for (const auto& server : d.servers) d.per_server[server] = 1;
      if (!d.anywhere) d.label = label;
      d.why = d.anywhere ? "global: one on every server"
                         : fmt::format("global: one on each of {}", fmt::join(d.allowed, ", "));
    } else {
      int most = 0;
      for (const auto& [server, n] : d.per_server) most = std::max(most, n);
      // Swarm cannot place "2 here, 1 there"; the cap keeps it from stacking more on one node than the
      // plan does.
      if (d.servers.size() > 1)
        d.max_replicas_per_node = most;
      else if (s.placement.max_replicas_per_node > 0)
        d.max_replicas_per_node = std::max(most, s.placement.max_replicas_per_node);

      if (s.has_local_state()) {
        d.pin = PinReason::local_state;
        d.allowed = in_estate_order(estate, d.servers, {});
        d.why = fmt::format("{} stays on {}: pinned there (elsewhere it would start EMPTY)", state_of(s),
                            fmt::join(d.servers, ", "));
      } else {
        if (!edge.empty() && is_edge_proxy(s, estate))  // public traffic reaches the edge servers only
          std::erase_if(allowed, [&](const std::string& n) {
            return std::find(edge.begin(), edge.end(), n) == edge.end();
          });
        if (confined)
          d.allowed = in_estate_order(estate, allowed, d.servers);  // a hand-edited plan's servers too
        d.anywhere = !confined || d.allowed.size() == estate.servers.size();
        if (d.anywhere) d.allowed.clear();
        std::string where = d.anywhere ? "any server" : fmt::format("{}", fmt::join(d.allowed, ", "));
        if (!s.placement.pin.empty()) {
          d.pin = PinReason::explicit_pin;
          d.why = "placement.pin in the estate: " + where;
        } else {
          d.why = "stateless: may run on " + where;
        }
      }
      if (d.pinned() && !d.anywhere && d.allowed.size() == 1)
        d.hostname = d.allowed.front();
      else
        d.label = label;
    }
    out.index_[s.name] = out.decisions_.size();
    out.decisions_.push_back(std::move(d));
  }
  return out;
}

}  // namespace rehome::plan
