#include "resilience/analysis.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "resilience/survivors.hpp"

namespace rehome::resilience {

std::string to_string(StrandReason r) {
  switch (r) {
    case StrandReason::none:
      return "";
    case StrandReason::no_quorum:
      return "no quorum";
    case StrandReason::local_state:
      return "local state";
    case StrandReason::pinned:
      return "pinned";
    case StrandReason::constraint:
      return "constraint";
    case StrandReason::spread:
      return "spread rule";
    case StrandReason::no_room:
      return "no room";
  }
  return "?";
}

std::string to_string(ServiceState s) {
  switch (s) {
    case ServiceState::recovered:
      return "recovered";
    case ServiceState::degraded:
      return "degraded";
    case ServiceState::down:
      return "down";
  }
  return "?";
}

int FailureResult::count(ServiceState s) const {
  return static_cast<int>(
      std::count_if(services.begin(), services.end(), [&](const ServiceOutcome& o) { return o.state == s; }));
}

std::string local_volume_of(const model::Service& svc) {
  for (const auto& v : svc.volumes)
    if (!v.shared && !v.read_only) return v.name;
  return svc.volumes.empty() ? std::string{"its data"} : svc.volumes.front().name;
}

bool PartitionResult::nothing_down() const {
  return quorum_view && quorum_view->nothing_down() && unreachable_from_edge.empty();
}

namespace {

std::vector<int> ids_of(const Cluster& cluster, const std::vector<std::string>& names) {
  std::vector<int> out;
  for (const auto& n : names)
    if (int id = cluster.server_id(n); id >= 0) out.push_back(id);
  return out;
}

// Why no survivor takes one more replica of s: the deepest rule any survivor got past decides.
void diagnose(const Cluster& cluster, const Survivors& sv, int s, ReplicaOutcome& out) {
  const auto& svc = cluster.service(s);
  enum Stage { static_rules = 0, spread = 1, room = 2 };
  int deepest = -1;
  Obstacle deepest_obstacle = Obstacle::lost;
  std::string deepest_why;
  int best = -1;
  model::Bytes best_mem_short = 0;
  model::MilliCpu best_cpu_short = 0;
  for (int n = 0; n < cluster.server_count(); ++n) {
    if (!sv.alive(n)) continue;
    std::string why;
    Obstacle o = sv.check(s, n, &why);
    int stage = (o == Obstacle::max_per_node || o == Obstacle::anti_affinity) ? spread
                : (o == Obstacle::memory || o == Obstacle::cpu)               ? room
                                                                              : static_rules;
    if (stage > deepest ||
        (stage == deepest && o == Obstacle::pinned && deepest_obstacle != Obstacle::pinned)) {
      deepest = stage;
      deepest_obstacle = o;
      deepest_why = why;
    }
    if (stage != room) continue;
    model::Bytes ms = std::max<model::Bytes>(0, svc.resources.memory_reservation - sv.free_memory(n));
    model::MilliCpu cs = std::max<model::MilliCpu>(0, svc.resources.cpu_reservation - sv.free_cpu(n));
    if (best < 0 || ms < best_mem_short || (ms == best_mem_short && cs < best_cpu_short)) {
      best = n;
      best_mem_short = ms;
      best_cpu_short = cs;
    }
  }
  if (deepest < 0) {
    out.reason = StrandReason::constraint;
    out.why = "no server left";
  } else if (deepest == static_rules) {
    if (deepest_obstacle == Obstacle::pinned) {
      std::string pins;
      for (const auto& p : svc.placement.pin) pins += (pins.empty() ? "" : ", ") + p;
      out.reason = StrandReason::pinned;
      out.why = fmt::format("pinned by hostname to {}", pins);
    } else {
      out.reason = StrandReason::constraint;
      out.why = "constraint: " + deepest_why + " (on every survivor)";
    }
  } else if (deepest == spread) {
    out.reason = StrandReason::spread;
    out.why = "every survivor refuses: " + deepest_why;
  } else {
    out.reason = StrandReason::no_room;
    out.best_candidate = cluster.server(best).name;
    out.memory_short = best_mem_short;
    out.cpu_short = best_cpu_short;
    std::string need = fmt::format("needs {}", model::format_bytes(svc.resources.memory_reservation));
    if (svc.resources.cpu_reservation > 0) need += " + " + model::format_cpu(svc.resources.cpu_reservation);
    std::string shortfall;
    if (best_mem_short > 0) shortfall += model::format_bytes(best_mem_short) + " memory";
    if (best_cpu_short > 0)
      shortfall += (shortfall.empty() ? "" : " and ") + model::format_cpu(best_cpu_short);
    out.why = fmt::format("no room: {}; closest is {} with {} free ({} short)", need, out.best_candidate,
                          model::format_bytes(std::max<model::Bytes>(0, sv.free_memory(best))), shortfall);
  }
}

}  // namespace

FailureResult analyse_failure(const Cluster& cluster, const Scenario& scenario, const RecoveryModel& model) {
  FailureResult r;
  r.scenario = scenario;
  const std::vector<int> lost = ids_of(cluster, scenario.lost);
  Survivors sv(cluster, lost);
  r.quorum = quorum(cluster.manager_count(), sv.alive_managers());
  for (int n : lost) r.managers_lost += cluster.is_manager(n);
  r.manager_lost = r.managers_lost > 0;
  for (int n = 0; n < cluster.server_count(); ++n)
    if (sv.alive(n)) r.memory_free_before += std::max<model::Bytes>(0, sv.free_memory(n));

  // Lost replicas grouped by service (estate order), so a service's outcome is decided in one place.
  std::map<int, std::vector<int>> lost_by_service;  // service -> servers it lost a replica on
  for (int n : lost)
    for (int s : cluster.replicas_on_server(n)) lost_by_service[s].push_back(n);

  const int N = cluster.server_count();
  std::vector<model::Bytes> demand_mem(N, 0);
  std::vector<model::MilliCpu> demand_cpu(N, 0);
  std::vector<int> moved_in(N, 0);

  for (const auto& [s, froms] : lost_by_service) {
    const auto& svc = cluster.service(s);
    ServiceOutcome so;
    so.service = svc.name;
    so.desired = static_cast<int>(cluster.servers_of(s).size());
    so.lost = static_cast<int>(froms.size());
    const int survived = so.desired - so.lost;
    int rescheduled = 0;
    model::Millis first_back = -1;
    for (int from : froms) {
      ReplicaOutcome ro;
      ro.from = cluster.server(from).name;
      r.memory_to_move += svc.resources.memory_reservation;
      if (!r.quorum.has_quorum) {
        ro.reason = StrandReason::no_quorum;
        ro.why = fmt::format("quorum lost ({} of {} managers up, {} needed): nothing is rescheduled",
                             r.quorum.alive, r.quorum.managers, r.quorum.needed);
      } else if (svc.has_local_state()) {
        ro.reason = StrandReason::local_state;
        // Stranded state: the policy (or the deployed stack) pins it to the server holding its data.
        ro.why = fmt::format("state on local volume {} on {}", local_volume_of(svc), ro.from);
        const auto* d = cluster.decision(s);
        if (d && d->pinned())
          ro.why += ", where the plan pins it: back when " + ro.from + " is";
        else if (!svc.placement.pin.empty() || !svc.placement.labels.empty())
          ro.why += ", pinned there by the deployed stack";
        else
          ro.why += " (not pinned: Swarm would start it elsewhere with an EMPTY volume)";
      } else if (int to = sv.choose(s); to >= 0) {
        sv.place(s, to);
        ro.fate = ReplicaFate::rescheduled;
        ro.to = cluster.server(to).name;
        ro.eta = estimate_recovery(
            svc, model, {.manager_lost = r.manager_lost, .image_present = cluster.image_on(to, s)});
        ++moved_in[to];
        ++rescheduled;
        if (first_back < 0 || ro.eta.expected < first_back) first_back = ro.eta.expected;
        r.slowest_recovery = std::max(r.slowest_recovery, ro.eta.expected);
      } else {
        diagnose(cluster, sv, s, ro);
        if (ro.reason == StrandReason::no_room) {
          int bc = cluster.server_id(ro.best_candidate);
          demand_mem[bc] += svc.resources.memory_reservation;
          demand_cpu[bc] += svc.resources.cpu_reservation;
        }
      }
      if (ro.fate == ReplicaFate::stranded) ++r.stranded;
      so.replicas.push_back(std::move(ro));
    }
    r.rescheduled += rescheduled;
    so.healthy_after = survived + rescheduled;
    so.state = so.healthy_after == 0           ? ServiceState::down
               : so.healthy_after < so.desired ? ServiceState::degraded
                                               : ServiceState::recovered;
    if (survived == 0 && rescheduled > 0) {
      so.downtime = first_back;
      r.longest_downtime = std::max(r.longest_downtime, first_back);
    }
    r.services.push_back(std::move(so));
  }

  // Every survivor for estates a person reads; beyond that only the ones that changed or fall short,
  // so thousands of scenarios over a thousand servers stay cheap.
  const bool list_all = N <= kListAllSurvivorsUpTo;
  for (int n = 0; n < N; ++n) {
    if (!sv.alive(n)) continue;
    if (!list_all && moved_in[n] == 0 && demand_mem[n] == 0 && demand_cpu[n] == 0) continue;
    ServerPressure p;
    p.server = cluster.server(n).name;
    p.memory_capacity = cluster.memory_capacity(n);
    p.memory_before = cluster.memory_used(n);
    p.memory_after = sv.memory_used(n);
    p.memory_short = std::max<model::Bytes>(0, p.memory_after + demand_mem[n] - p.memory_capacity);
    p.cpu_capacity = cluster.cpu_capacity(n);
    p.cpu_before = cluster.cpu_used(n);
    p.cpu_after = sv.cpu_used(n);
    p.cpu_short = std::max<model::MilliCpu>(0, p.cpu_after + demand_cpu[n] - p.cpu_capacity);
    p.rescheduled_here = moved_in[n];
    r.survivors.push_back(p);
  }
  return r;
}

std::vector<int> edge_servers(const Cluster& cluster) {
  std::vector<int> out;
  for (int n = 0; n < cluster.server_count(); ++n)
    if (cluster.is_edge(n)) out.push_back(n);
  return out;
}

PartitionResult analyse_partition(const Cluster& cluster, const Scenario& scenario,
                                  const RecoveryModel& model) {
  PartitionResult r;
  r.scenario = scenario;
  const auto a = ids_of(cluster, scenario.side_a), b = ids_of(cluster, scenario.side_b);
  auto managers_in = [&](const std::vector<int>& side) {
    return static_cast<int>(
        std::count_if(side.begin(), side.end(), [&](int n) { return cluster.is_manager(n); }));
  };
  r.side_a = quorum(cluster.manager_count(), managers_in(a));
  r.side_b = quorum(cluster.manager_count(), managers_in(b));
  r.quorum_side = r.side_a.has_quorum ? 0 : r.side_b.has_quorum ? 1 : -1;

  std::vector<int> side_of(cluster.server_count(), 0);
  for (int n : b) side_of[n] = 1;
  int edge_mask = 0;
  for (int n : edge_servers(cluster)) {
    r.edge_servers.push_back(cluster.server(n).name);
    edge_mask |= 1 << side_of[n];
  }
  r.edge_side = edge_mask == 1 ? 0 : edge_mask == 2 ? 1 : -1;

  if (r.quorum_side >= 0) {
    // The quorum side's managers see the other side's nodes as down: the failure of that side.
    Scenario seen{.kind = Scenario::Kind::failure,
                  .lost = r.quorum_side == 0 ? scenario.side_b : scenario.side_a};
    r.quorum_view = analyse_failure(cluster, seen, model);
  }

  for (int s = 0; s < cluster.service_count(); ++s) {
    const auto& svc = cluster.service(s);
    const auto& where = svc.global ? cluster.global_servers(s) : cluster.servers_of(s);
    if (where.empty()) continue;
    int on_side[2] = {0, 0};
    for (int n : where) ++on_side[side_of[n]];
    bool frozen = false;
    for (int side = 0; side < 2; ++side)
      if (on_side[side] > 0 && side != r.quorum_side) frozen = true;
    if (frozen && !svc.global) r.frozen.push_back(svc.name);

    int on_edge_side = r.edge_side >= 0 ? on_side[r.edge_side] : 1;
    if (r.quorum_view && r.edge_side == r.quorum_side && on_side[1 - r.quorum_side] > 0) {
      for (const auto& so : r.quorum_view->services)
        if (so.service == svc.name)
          for (const auto& ro : so.replicas) on_edge_side += ro.fate == ReplicaFate::rescheduled;
    }
    if (on_edge_side == 0 && !svc.global) r.unreachable_from_edge.push_back(svc.name);

    if (r.quorum_view && (svc.stateful || svc.data) && on_side[1 - r.quorum_side] > 0) {
      for (const auto& so : r.quorum_view->services)
        if (so.service == svc.name &&
            std::any_of(so.replicas.begin(), so.replicas.end(),
                        [](const ReplicaOutcome& ro) { return ro.fate == ReplicaFate::rescheduled; }))
          r.two_writers.push_back(svc.name);
    }
  }
  return r;
}

}  // namespace rehome::resilience
