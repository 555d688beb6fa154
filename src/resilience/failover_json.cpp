// The same analysis for programs (`rehome failover --json`).
#include "resilience/failover.hpp"

namespace rehome::resilience {
namespace {

using nlohmann::json;

json estimate_json(const RecoveryEstimate& e) {
  json parts = json::object();
  for (const auto& [what, ms] : e.parts) parts[what] = ms;
  return {{"expected_ms", e.expected}, {"worst_ms", e.worst}, {"parts_ms", parts}};
}

json failure_json(const FailureResult& f) {
  json services = json::array();
  for (const auto& so : f.services) {
    json replicas = json::array();
    for (const auto& ro : so.replicas) {
      json r = {{"from", ro.from},
                {"fate", ro.fate == ReplicaFate::rescheduled ? "rescheduled" : "stranded"}};
      if (ro.fate == ReplicaFate::rescheduled) {
        r["to"] = ro.to;
        r["recovery"] = estimate_json(ro.eta);
      } else {
        r["reason"] = to_string(ro.reason);
        r["why"] = ro.why;
        if (!ro.best_candidate.empty()) {
          r["closest_server"] = ro.best_candidate;
          r["memory_short_bytes"] = ro.memory_short;
          r["cpu_short_millicores"] = ro.cpu_short;
        }
      }
      replicas.push_back(r);
    }
    services.push_back({{"service", so.service},
                        {"desired", so.desired},
                        {"lost", so.lost},
                        {"healthy_after", so.healthy_after},
                        {"state", to_string(so.state)},
                        {"downtime_ms", so.state == ServiceState::down ? json(nullptr) : json(so.downtime)},
                        {"replicas", replicas}});
  }
  json servers = json::array();
  for (const auto& p : f.survivors)
    servers.push_back({{"server", p.server},
                       {"memory_capacity", p.memory_capacity},
                       {"memory_before", p.memory_before},
                       {"memory_after", p.memory_after},
                       {"memory_short", p.memory_short},
                       {"cpu_capacity", p.cpu_capacity},
                       {"cpu_before", p.cpu_before},
                       {"cpu_after", p.cpu_after},
                       {"cpu_short", p.cpu_short},
                       {"rescheduled_here", p.rescheduled_here}});
  return {{"scenario", f.scenario.name()},
          {"lost", f.scenario.lost},
          {"quorum",
           {{"managers", f.quorum.managers},
            {"alive", f.quorum.alive},
            {"needed", f.quorum.needed},
            {"has_quorum", f.quorum.has_quorum}}},
          {"managers_lost", f.managers_lost},
          {"automatic", f.automatic()},
          {"services_down", f.count(ServiceState::down)},
          {"services_degraded", f.count(ServiceState::degraded)},
          {"replicas_rescheduled", f.rescheduled},
          {"replicas_stranded", f.stranded},
          {"longest_downtime_ms", f.longest_downtime},
          {"slowest_recovery_ms", f.slowest_recovery},
          {"memory_to_move", f.memory_to_move},
          {"memory_free_before", f.memory_free_before},
          {"services", services},
          {"survivors", servers}};
}

json quorum_json(const QuorumVerdict& q) {
  return {{"managers", q.managers}, {"alive", q.alive}, {"needed", q.needed}, {"has_quorum", q.has_quorum}};
}

}  // namespace

json to_json(const FailoverAnalysis& a) {
  json failures = json::array(), partitions = json::array(), recs = json::array(), rows = json::array();
  for (const auto& f : a.failures) failures.push_back(failure_json(f));
  for (const auto& p : a.partitions) {
    json j = {{"scenario", p.scenario.name()},
              {"side_a", p.scenario.side_a},
              {"side_b", p.scenario.side_b},
              {"quorum_a", quorum_json(p.side_a)},
              {"quorum_b", quorum_json(p.side_b)},
              {"quorum_side", p.quorum_side == 0   ? json("a")
                              : p.quorum_side == 1 ? json("b")
                                                   : json(nullptr)},
              {"edge_servers", p.edge_servers},
              {"edge_side", p.edge_side == 0   ? json("a")
                            : p.edge_side == 1 ? json("b")
                                               : json(nullptr)},
              {"frozen", p.frozen},
              {"two_writers", p.two_writers},
              {"unreachable_from_edge", p.unreachable_from_edge}};
    if (p.quorum_view) j["quorum_view"] = failure_json(*p.quorum_view);
    partitions.push_back(j);
  }
  for (const auto& r : a.recommendations)
    recs.push_back({{"topic", r.topic}, {"subject", r.subject}, {"text", r.text}});
  for (const auto& r : summary_rows(a))
    rows.push_back(
        {{"scenario", r.scenario}, {"automatic", r.automatic}, {"downtime", r.downtime}, {"notes", r.notes}});
  const auto& m = a.model;
  return {{"estate", a.estate},
          {"servers", a.servers},
          {"managers", a.managers},
          {"tolerated_manager_failures", tolerated_failures(a.managers)},
          {"model_ms",
           {{"detection", m.detection},
            {"leader_election", m.leader_election},
            {"scheduling", m.scheduling},
            {"restart_delay", m.restart_delay},
            {"image_pull", m.image_pull},
            {"container_start", m.container_start}}},
          {"score", a.score},
          {"failures_without_down", a.failures_without_down},
          {"summary", rows},
          {"failures", failures},
          {"partitions", partitions},
          {"recommendations", recs},
          {"reality_checks", a.reality_checks}};
}

}  // namespace rehome::resilience
