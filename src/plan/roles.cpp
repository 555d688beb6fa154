#include "plan/roles.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "plan/feasibility.hpp"

namespace rehome::plan {
namespace {

int rank_reliability(model::Reliability r) {
  switch (r) {
    case model::Reliability::high:
      return 0;
    case model::Reliability::normal:
      return 1;
    case model::Reliability::low:
      return 2;
  }
  return 1;
}

std::vector<RoleChoice> choose_managers(const model::Estate& estate) {
  std::vector<RoleChoice> managers;
  std::vector<const model::Server*> others;
  for (const auto& server : estate.servers) {
    if (server.role == model::SwarmRole::manager)
      managers.push_back({server.name, "declared role: manager"});
    else
      others.push_back(&server);
  }
  // Topping up to the recommended count: reliable, capable machines first (a flaky or weak manager
  // costs quorum when it reboots).
  std::stable_sort(others.begin(), others.end(), [](const model::Server* a, const model::Server* b) {
    if (a->hints.weak != b->hints.weak) return !a->hints.weak;
    int ra = rank_reliability(a->hints.reliability), rb = rank_reliability(b->hints.reliability);
    if (ra != rb) return ra < rb;
    return a->memory > b->memory;
  });
  const size_t wanted = static_cast<size_t>(std::max(1, estate.managers));
  const size_t declared = managers.size();
  for (const auto* server : others) {
    if (managers.size() >= wanted) break;
    std::string reason =
        fmt::format("managers: {} with {} declared: the sturdiest of the rest ({}{} reliability, {})",
                    estate.managers, declared, server->hints.weak ? "weak, " : "",
                    model::to_string(server->hints.reliability), model::format_bytes(server->memory));
    managers.push_back({server->name, std::move(reason)});
  }
  return managers;
}

std::vector<RoleChoice> choose_edge(const Plan& plan, const model::Estate& estate) {
  std::vector<RoleChoice> edge;
  for (const auto& server : estate.servers)
    if (server.hints.edge) edge.push_back({server.name, "edge: true in the estate"});
  if (!edge.empty()) return edge;
  // None marked: where the plan puts the edge proxies (one pass over the plan, for big estates).
  std::map<std::string, std::vector<std::string>> proxies_on;  // server -> edge proxies there
  std::set<std::string> proxies, listed;
  for (const auto& s : estate.services)
    if (is_edge_proxy(s, estate)) proxies.insert(s.name);
  for (const auto& a : plan.assignments) {
    if (!proxies.count(a.service)) continue;
    listed.insert(a.service);
    auto& here = proxies_on[a.server];
    if (std::find(here.begin(), here.end(), a.service) == here.end()) here.push_back(a.service);
  }
  for (const auto& s : estate.services)  // a plan may omit global services: they run everywhere
    if (s.global && proxies.count(s.name) && !listed.count(s.name))
      for (const auto& server : estate.servers) proxies_on[server.name].push_back(s.name);
  for (const auto& server : estate.servers) {
    auto it = proxies_on.find(server.name);
    if (it != proxies_on.end())
      edge.push_back({server.name, fmt::format("no server has edge: true; the plan puts {} here",
                                               fmt::join(it->second, ", "))});
  }
  return edge;
}

}  // namespace

bool is_edge_proxy(const model::Service& s, const model::Estate& estate) {
  bool on_public = std::any_of(s.networks.begin(), s.networks.end(), [&](const std::string& n) {
    const auto* net = estate.find_network(n);
    return (net && net->public_) || n == "public";
  });
  return needs_edge(s) || (s.category == model::Category::proxy && on_public);
}

Roles decide_roles(const Plan& plan, const model::Estate& estate) {
  return {.managers = choose_managers(estate), .edge = choose_edge(plan, estate)};
}

Roles roles_of(const Plan& plan, const model::Estate& estate) {
  return plan.roles ? *plan.roles : decide_roles(plan, estate);
}

}  // namespace rehome::plan
