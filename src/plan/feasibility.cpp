#include "plan/feasibility.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>

namespace rehome::plan {
namespace {

void add_pair(std::vector<std::vector<ServiceId>>& to, ServiceId a, ServiceId b) {
  if (a == b) return;
  auto& va = to[a];
  if (std::find(va.begin(), va.end(), b) == va.end()) va.push_back(b);
  auto& vb = to[b];
  if (std::find(vb.begin(), vb.end(), a) == vb.end()) vb.push_back(a);
}

}  // namespace

PlacementContext::PlacementContext(const model::Estate& e, double h) : estate(e), headroom(h) {
  for (size_t i = 0; i < estate.servers.size(); ++i) server_index[estate.servers[i].name] = i;
  for (const auto& svc : estate.services) services_by_name[svc.name] = &svc;
  for (const auto& s : estate.servers) {
    max_server_memory = std::max(max_server_memory, s.memory);
    max_server_cpu = std::max(max_server_cpu, s.cpu());
    has_edge_servers = has_edge_servers || s.hints.edge;
    memory_capacity_.push_back(
        static_cast<model::Bytes>(std::floor(static_cast<double>(s.memory) * (1.0 - headroom))));
    cpu_capacity_.push_back(
        static_cast<model::MilliCpu>(std::floor(static_cast<double>(s.cpu()) * (1.0 - headroom))));
  }
  model::MilliCpu strongest = 0;
  for (const auto& s : estate.servers)
    if (!is_weak(s)) strongest = std::max(strongest, s.cpu());
  for (const auto& s : estate.servers)
    production_server.push_back(!is_weak(s) && s.cpu() * 4 >= strongest * 3);
  const size_t n = estate.services.size();
  conflicts.resize(n);
  partners.resize(n);
  stack.resize(n);
  std::map<int, std::vector<ServiceId>> host_ports;                // published host-mode port -> services
  std::unordered_map<std::string, std::vector<ServiceId>> stacks;  // stack -> its first 16 services
  auto each_known = [&](const std::vector<std::string>& names, auto&& f) {
    for (const auto& name : names)
      if (auto id = service_id(name)) f(*id);
  };
  for (ServiceId i = 0; i < n; ++i) {
    const auto& svc = estate.services[i];
    each_known(svc.placement.anti_affinity, [&](ServiceId o) { add_pair(conflicts, i, o); });
    const std::string primary = svc.data && svc.data->replica_of ? *svc.data->replica_of : "";
    if (auto p = service_id(primary)) add_pair(conflicts, i, *p);
    for (const auto& p : svc.ports)
      if (p.published > 0 && p.mode == "host") host_ports[p.published].push_back(i);
    // A streaming replica calls its primary, but must live apart from it: not a chatty pair.
    for (const auto& d : svc.depends_on)
      if (auto o = service_id(d); o && d != primary) add_pair(partners, i, *o);
    if (!svc.stack.empty() && !svc.global && stacks[svc.stack].size() < 16) stacks[svc.stack].push_back(i);
    each_known(svc.placement.affinity, [&](ServiceId o) { add_pair(partners, i, o); });
  }
  for (const auto& [port, ids] : host_ports)
    for (size_t a = 0; a < ids.size(); ++a)
      for (size_t b = a + 1; b < ids.size(); ++b) add_pair(conflicts, ids[a], ids[b]);
  for (ServiceId i = 0; i < n; ++i)
    if (auto it = stacks.find(estate.services[i].stack); it != stacks.end()) stack[i] = it->second;
}

ServiceId PlacementContext::id_of(const model::Service& s) const {
  const auto* begin = estate.services.data();
  if (std::less_equal<const model::Service*>{}(begin, &s) &&
      std::less<const model::Service*>{}(&s, begin + estate.services.size()))
    return static_cast<ServiceId>(&s - begin);
  if (auto id = service_id(s.name)) return *id;
  throw std::out_of_range("service " + s.name + " is not in estate " + estate.name);
}

std::optional<ServiceId> PlacementContext::service_id(const std::string& name) const {
  auto it = services_by_name.find(name);
  if (it == services_by_name.end()) return std::nullopt;
  return static_cast<ServiceId>(it->second - estate.services.data());
}

void ServerLoad::add(const model::Service& s, ServiceId id) {
  memory += s.resources.memory_reservation;
  cpu += s.resources.cpu_reservation;
  auto it = replicas.begin() + (find(id) - replicas.cbegin());
  if (it != replicas.end() && it->first == id)
    ++it->second;
  else
    replicas.insert(it, {id, 1});
  production += is_production_workload(s);
  monitoring += is_monitoring(s);
  spiky += is_spiky(s);
  ++total;
}

bool ServerLoad::remove(const model::Service& s, ServiceId id) {
  auto it = replicas.begin() + (find(id) - replicas.cbegin());
  if (it == replicas.end() || it->first != id) return false;
  if (--it->second == 0) replicas.erase(it);
  memory -= s.resources.memory_reservation;
  cpu -= s.resources.cpu_reservation;
  production -= is_production_workload(s);
  monitoring -= is_monitoring(s);
  spiky -= is_spiky(s);
  --total;
  return true;
}

bool needs_edge(const model::Service& s) {
  return std::any_of(s.ports.begin(), s.ports.end(), [](const model::Port& p) {
    return p.exposed() && (p.published == 80 || p.published == 443);
  });
}

FeasibilityRules default_feasibility_rules() {
  FeasibilityRules rules;
  // Cheapest and most selective first: most candidates are refused by memory.
  rules.push_back(make_memory_rule());
  rules.push_back(make_cpu_rule());
  rules.push_back(make_pin_rule());
  rules.push_back(make_label_rule());
  rules.push_back(make_max_per_node_rule());
  rules.push_back(make_conflict_rule());
  rules.push_back(make_edge_rule());
  return rules;
}

std::optional<std::vector<std::uint32_t>> eligible_servers(const FeasibilityRules& rules,
                                                           const model::Service& service,
                                                           const PlacementContext& ctx) {
  std::vector<const FeasibilityRule*> confining;
  for (const auto& rule : rules)
    if (rule->confines(service)) confining.push_back(rule.get());
  if (confining.empty()) return std::nullopt;
  std::vector<std::uint32_t> out;
  const auto& servers = ctx.estate.servers;
  for (std::uint32_t s = 0; s < servers.size(); ++s)
    if (std::all_of(confining.begin(), confining.end(),
                    [&](const FeasibilityRule* r) { return r->eligible(service, servers[s], ctx); }))
      out.push_back(s);
  return out;
}

std::optional<std::string> first_refusal(const FeasibilityRules& rules, const model::Service& service,
                                         const model::Server& server, const ServerLoad& load,
                                         const PlacementContext& ctx) {
  for (const auto& rule : rules)
    if (auto why = rule->check(service, server, load, ctx)) return why;
  return std::nullopt;
}

}  // namespace rehome::plan
