#include "plan/feasibility.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace rehome::plan {
namespace {

void add_pair(std::unordered_map<std::string, std::vector<std::string>>& to, const std::string& a,
              const std::string& b) {
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
  }
  model::MilliCpu strongest = 0;
  for (const auto& s : estate.servers)
    if (!is_weak(s)) strongest = std::max(strongest, s.cpu());
  for (const auto& s : estate.servers)
    production_server.push_back(!is_weak(s) && s.cpu() * 4 >= strongest * 3);
  std::map<int, std::vector<std::string>> host_ports;  // published host-mode port -> services
  for (const auto& svc : estate.services) {
    for (const auto& other : svc.placement.anti_affinity) add_pair(conflicts, svc.name, other);
    if (svc.data && svc.data->replica_of) add_pair(conflicts, svc.name, *svc.data->replica_of);
    for (const auto& p : svc.ports)
      if (p.published > 0 && p.mode == "host") host_ports[p.published].push_back(svc.name);
    // A streaming replica calls its primary, but must live apart from it: not a chatty pair.
    const std::string primary = svc.data && svc.data->replica_of ? *svc.data->replica_of : "";
    for (const auto& d : svc.depends_on)
      if (d != primary) add_pair(partners, svc.name, d);
    if (!svc.stack.empty() && !svc.global && stacks[svc.stack].size() < 16)
      stacks[svc.stack].push_back(svc.name);
    for (const auto& a : svc.placement.affinity) add_pair(partners, svc.name, a);
  }
  for (const auto& [port, names] : host_ports)
    for (size_t i = 0; i < names.size(); ++i)
      for (size_t j = i + 1; j < names.size(); ++j) add_pair(conflicts, names[i], names[j]);
}

model::Bytes PlacementContext::memory_capacity(const model::Server& s) const {
  return static_cast<model::Bytes>(std::floor(static_cast<double>(s.memory) * (1.0 - headroom)));
}

model::MilliCpu PlacementContext::cpu_capacity(const model::Server& s) const {
  return static_cast<model::MilliCpu>(std::floor(static_cast<double>(s.cpu()) * (1.0 - headroom)));
}

size_t PlacementContext::index_of(const model::Server& s) const {
  return static_cast<size_t>(&s - estate.servers.data());
}

bool is_production_workload(const model::Service& s) {
  using C = model::Category;
  if (s.tier != model::Tier::production || s.global) return false;
  return s.category == C::app || s.category == C::frontend || s.category == C::proxy ||
         s.category == C::auth || s.category == C::queue;
}

bool is_monitoring(const model::Service& s) {
  return !s.global && (s.category == model::Category::monitoring || s.category == model::Category::logging);
}

bool is_spiky(const model::Service& s) { return !s.global && (s.spiky || s.category == model::Category::ci); }

bool is_weak(const model::Server& s) {
  return s.hints.weak || s.hints.reliability == model::Reliability::low;
}

bool needs_edge(const model::Service& s) {
  return std::any_of(s.ports.begin(), s.ports.end(),
                     [](const model::Port& p) { return p.published == 80 || p.published == 443; });
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

std::optional<std::string> first_refusal(const FeasibilityRules& rules, const model::Service& service,
                                         const model::Server& server, const ServerLoad& load,
                                         const PlacementContext& ctx) {
  for (const auto& rule : rules)
    if (auto why = rule->check(service, server, load, ctx)) return why;
  return std::nullopt;
}

}  // namespace rehome::plan
