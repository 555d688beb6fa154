#include "resilience/survivors.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace rehome::resilience {

std::string to_string(Obstacle o) {
  switch (o) {
    case Obstacle::none:
      return "fits";
    case Obstacle::lost:
      return "server down";
    case Obstacle::pinned:
      return "pinned by hostname";
    case Obstacle::constraint:
      return "placement constraint";
    case Obstacle::max_per_node:
      return "max replicas per node";
    case Obstacle::anti_affinity:
      return "anti-affinity";
    case Obstacle::memory:
      return "not enough memory";
    case Obstacle::cpu:
      return "not enough CPU";
  }
  return "?";
}

Obstacle obstacle_of_rule(std::string_view rule) {
  if (rule == "pin") return Obstacle::pinned;
  if (rule == "memory") return Obstacle::memory;
  if (rule == "cpu") return Obstacle::cpu;
  if (rule == "max-replicas-per-node") return Obstacle::max_per_node;
  if (rule == "anti-affinity") return Obstacle::anti_affinity;
  return Obstacle::constraint;  // labels, edge, and any rule added later
}

Survivors::Survivors(const Cluster& cluster, const std::vector<int>& lost) : cluster_(&cluster) {
  const int N = cluster.server_count();
  alive_.assign(N, true);
  for (int n : lost) alive_[n] = false;
  mem_.resize(N);
  cpu_.resize(N);
  tasks_.resize(N);
  for (int n = 0; n < N; ++n) {
    mem_[n] = cluster.memory_used(n);
    cpu_[n] = cluster.cpu_used(n);
    tasks_[n] = cluster.tasks(n);
    if (alive_[n] && cluster.is_manager(n)) ++alive_managers_;
  }
}

int Survivors::count(int n, int s) const {
  int base = cluster_->replicas_on(n, s);
  if (added_.empty()) return base;
  auto it = added_.find(static_cast<long long>(n) * cluster_->service_count() + s);
  return it == added_.end() ? base : base + it->second;
}

const plan::ServerLoad& Survivors::load(int n) const {
  auto it = loads_.find(n);
  return it == loads_.end() ? cluster_->load(n) : it->second;
}

Obstacle Survivors::check(int s, int n, std::string* why) const {
  if (!alive_[n]) {
    if (why) *why = "server down";
    return Obstacle::lost;
  }
  // The placement the stacks enforce (plan::decide_placements) first, then the planner's own rules.
  if (!cluster_->allowed(s, n)) {
    const auto* d = cluster_->decision(s);
    if (why) *why = d ? d->why : "not allowed here";
    return d && d->pinned() ? Obstacle::pinned : Obstacle::constraint;
  }
  if (int cap = cluster_->max_per_node(s); cap > 0 && count(n, s) >= cap) {
    if (why)
      *why = fmt::format("already runs {} replica(s) here, the stack allows {} per node", count(n, s), cap);
    return Obstacle::max_per_node;
  }
  const auto& svc = cluster_->service(s);
  for (const auto& rule : cluster_->rules()) {
    if (auto refusal = rule->check(svc, cluster_->server(n), load(n), cluster_->context())) {
      if (why) *why = *refusal;
      return obstacle_of_rule(rule->name());
    }
  }
  return Obstacle::none;
}

int Survivors::choose(int s) const {
  const auto& r = cluster_->service(s).resources;
  std::vector<int> refused;  // passed the quick memory/CPU test but a full rule said no
  while (true) {
    int best = -1, best_count = 0, best_tasks = 0;
    for (int n = 0; n < cluster_->server_count(); ++n) {
      // Quick integer test first (the same capacities as the planner's memory and CPU rules).
      if (!alive_[n] || r.memory_reservation > free_memory(n) || r.cpu_reservation > free_cpu(n)) continue;
      int c = count(n, s), t = tasks_[n];
      if (best >= 0 && (c > best_count || (c == best_count && t >= best_tasks))) continue;
      if (std::find(refused.begin(), refused.end(), n) != refused.end()) continue;
      best = n;
      best_count = c;
      best_tasks = t;
    }
    if (best < 0 || check(s, best) == Obstacle::none) return best;
    refused.push_back(best);
  }
}

void Survivors::place(int s, int n) {
  const auto& svc = cluster_->service(s);
  const auto& r = svc.resources;
  mem_[n] += r.memory_reservation;
  cpu_[n] += r.cpu_reservation;
  ++tasks_[n];
  ++added_[static_cast<long long>(n) * cluster_->service_count() + s];
  auto [it, fresh] = loads_.try_emplace(n);
  if (fresh) it->second = cluster_->load(n);
  it->second.add(svc, static_cast<plan::ServiceId>(s));
}

}  // namespace rehome::resilience
