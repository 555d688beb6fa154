#include "resilience/cluster.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "common/error.hpp"
#include "plan/placement_state.hpp"
#include "plan/roles.hpp"

namespace rehome::resilience {
namespace {

bool matches_static_rules(const model::Service& svc, const model::Server& srv) {
  const auto& pin = svc.placement.pin;
  if (!pin.empty() && std::find(pin.begin(), pin.end(), srv.name) == pin.end()) return false;
  for (const auto& [k, v] : svc.placement.labels) {
    auto it = srv.labels.find(k);
    if (it == srv.labels.end() || it->second != v) return false;
  }
  return true;
}

// Pins, labels and the edge first (why a server can never take the replica), then spread rules, then
// room: so a refusal names the most fundamental reason.
int rule_rank(std::string_view name) {
  if (name == "pin" || name == "labels" || name == "edge") return 0;
  if (name == "memory" || name == "cpu") return 2;
  return 1;
}

}  // namespace

Cluster::Cluster(const model::Estate& estate, const plan::Plan& plan, double failover_headroom,
                 PlacementSource placement)
    : estate_(&estate),
      context_(std::make_unique<plan::PlacementContext>(estate, failover_headroom)),
      rules_(plan::default_feasibility_rules()) {
  std::stable_sort(rules_.begin(), rules_.end(),
                   [](const auto& a, const auto& b) { return rule_rank(a->name()) < rule_rank(b->name()); });
  plan::PlacementState loads(estate, failover_headroom);
  const int N = server_count(), S = service_count();
  for (int n = 0; n < N; ++n) server_ids_[estate.servers[n].name] = n;
  const std::string where = plan.where.file.empty() ? "plan" : plan.where.str();
  manager_.assign(N, false);
  edge_.assign(N, false);
  auto mark = [&](const std::vector<plan::RoleChoice>& choices, std::vector<bool>& flags, const char* role) {
    for (const auto& c : choices) {
      int n = server_id(c.server);
      if (n < 0)
        throw UserError(fmt::format("{}: the plan makes '{}' {}, which is not a server of estate '{}'", where,
                                    c.server, role, estate.name),
                        "make the plan again from this estate (rehome plan) or fix the server name");
      flags[n] = true;
    }
  };
  const auto roles = plan::roles_of(plan, estate);
  mark(roles.managers, manager_, "a manager");
  mark(roles.edge, edge_, "an edge server");
  managers_ = static_cast<int>(std::count(manager_.begin(), manager_.end(), true));
  for (int s = 0; s < S; ++s) service_ids_[estate.services[s].name] = s;
  mem_cap_.resize(N);
  cpu_cap_.resize(N);
  for (int n = 0; n < N; ++n) {  // the planner's memory and CPU rules use the same capacities
    mem_cap_[n] = context_->memory_capacity(estate.servers[n]);
    cpu_cap_[n] = context_->cpu_capacity(estate.servers[n]);
  }
  mem_used_.assign(N, 0);
  cpu_used_.assign(N, 0);
  tasks_.assign(N, 0);
  on_server_.assign(N, {});
  servers_of_.assign(S, {});
  global_on_.assign(S, {});
  anti_.assign(S, {});
  replica_services_.assign(S, {});
  count_.assign(N, {});
  images_.assign(N, {});
  image_of_.resize(S);
  std::unordered_map<std::string, int> image_ids;
  for (int s = 0; s < S; ++s) {
    const auto& svc = estate.services[s];
    image_of_[s] = image_ids.emplace(svc.image, static_cast<int>(image_ids.size())).first->second;
    for (const auto& other : svc.placement.anti_affinity) {
      auto it = service_ids_.find(other);
      if (it == service_ids_.end() || it->second == s) continue;
      anti_[s].push_back(it->second);
      anti_[it->second].push_back(s);
    }
    if (svc.data && svc.data->replica_of) {
      auto it = service_ids_.find(*svc.data->replica_of);
      if (it != service_ids_.end()) replica_services_[it->second].push_back(s);
    }
  }
  for (auto& a : anti_) {
    std::sort(a.begin(), a.end());
    a.erase(std::unique(a.begin(), a.end()), a.end());
  }

  auto add = [&](int s, int n) {
    const auto& r = estate.services[s].resources;
    mem_used_[n] += r.memory_reservation;
    cpu_used_[n] += r.cpu_reservation;
    ++tasks_[n];
    ++count_[n][s];
    ++images_[n][image_of_[s]];
    loads.add(estate.services[s], static_cast<size_t>(n));
  };
  std::vector<bool> global_listed(S, false);
  for (const auto& a : plan.assignments) {
    int s = service_id(a.service), n = server_id(a.server);
    if (s < 0)
      throw UserError(fmt::format("{}: the plan places '{}', which is not a service of estate '{}'", where,
                                  a.service, estate.name),
                      "make the plan again from this estate (rehome plan) or fix the name");
    if (n < 0)
      throw UserError(fmt::format("{}: the plan puts '{}' on '{}', which is not a server of estate '{}'",
                                  where, a.service, a.server, estate.name),
                      "make the plan again from this estate (rehome plan) or fix the server name");
    if (estate.services[s].global) {
      global_listed[s] = true;
      global_on_[s].push_back(n);
    } else {
      on_server_[n].push_back(s);
      servers_of_[s].push_back(n);
    }
    add(s, n);
  }
  // Global services a plan leaves out run on every server their constraints allow.
  for (int s = 0; s < S; ++s) {
    if (!estate.services[s].global || global_listed[s]) continue;
    for (int n = 0; n < N; ++n)
      if (matches_static_rules(estate.services[s], estate.servers[n])) {
        global_on_[s].push_back(n);
        add(s, n);
      }
  }
  loads_ = loads.loads();
  allowed_.assign(S, {});
  if (placement == PlacementSource::decided) {
    decisions_ = plan::decide_placements(estate, plan);
    for (int s = 0; s < S; ++s) {
      const auto& d = decisions_->decisions()[s];
      if (d.anywhere) continue;
      allowed_[s].assign(N, false);
      for (const auto& name : d.allowed)
        if (int n = server_id(name); n >= 0) allowed_[s][n] = true;
    }
  }
}

int Cluster::server_id(const std::string& name) const {
  auto it = server_ids_.find(name);
  return it == server_ids_.end() ? -1 : it->second;
}

int Cluster::service_id(const std::string& name) const {
  auto it = service_ids_.find(name);
  return it == service_ids_.end() ? -1 : it->second;
}

int Cluster::replicas_on(int n, int s) const {
  auto it = count_[n].find(s);
  return it == count_[n].end() ? 0 : it->second;
}

bool Cluster::image_on(int n, int s) const { return images_[n].count(image_of_[s]) > 0; }

}  // namespace rehome::resilience
