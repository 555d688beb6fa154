#include "resilience/failover.hpp"

#include <map>

#include <fmt/format.h>

namespace rehome::resilience {
namespace {

std::string seconds(model::Millis ms) { return fmt::format("~{} s", (ms + 500) / 1000); }

std::string names_with_state(const FailureResult& f, ServiceState state, size_t max_names = 6) {
  std::string out;
  size_t shown = 0, total = 0;
  for (const auto& so : f.services) {
    if (so.state != state) continue;
    ++total;
    if (shown < max_names) {
      out += (out.empty() ? "" : ", ") + so.service;
      ++shown;
    }
  }
  if (total > shown) out += fmt::format(" and {} more", total - shown);
  return out;
}

std::string dominant_reason(const FailureResult& f, ServiceState state) {
  std::map<StrandReason, int> counts;
  for (const auto& so : f.services)
    if (so.state == state)
      for (const auto& ro : so.replicas)
        if (ro.fate == ReplicaFate::stranded) ++counts[ro.reason];
  std::string out;
  for (const auto& [reason, n] : counts) out += (out.empty() ? "" : ", ") + to_string(reason);
  return out;
}

std::string failure_label(const FailureResult& f) {
  std::string role;
  if (f.managers_lost == 0)
    role = f.scenario.lost.size() == 1 ? "worker" : "workers";
  else
    role = fmt::format("{} of {} managers", f.managers_lost, f.quorum.managers);
  return fmt::format("{} ({})", f.scenario.name(), role);
}

std::string joined(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

SummaryRow failure_row(const FailureResult& f) {
  SummaryRow row;
  row.scenario = failure_label(f);
  std::vector<std::string> notes;
  const int down = f.count(ServiceState::down), degraded = f.count(ServiceState::degraded);
  if (!f.quorum.has_quorum) {
    row.automatic = "❌ No";
    row.downtime = down > 0 ? "until manual intervention" : "none while tasks keep running";
    notes.push_back(
        fmt::format("quorum lost ({} of {} managers): cluster read-only, running services keep "
                    "running, nothing rescheduled",
                    f.quorum.alive, f.quorum.managers));
    if (down > 0)
      notes.push_back(fmt::format("{} service(s) down: {}", down, names_with_state(f, ServiceState::down)));
    notes.push_back("recover: docker swarm init --force-new-cluster on a surviving manager");
  } else {
    if (f.manager_lost) notes.push_back("new leader elected");
    if (f.services.empty()) {
      row.automatic = "✅ Yes";
      row.downtime = "none";
      notes.push_back("no replicated service ran there");
    } else if (f.stranded == 0) {
      row.automatic = "✅ Yes";
      row.downtime = f.longest_downtime > 0 ? seconds(f.longest_downtime) : "none (replicas elsewhere)";
      notes.push_back(
          fmt::format("{} replica(s) reschedule, slowest {}", f.rescheduled, seconds(f.slowest_recovery)));
    } else {
      row.automatic = "⚠️ Partial";
      std::vector<std::string> parts;
      if (f.longest_downtime > 0) parts.push_back(seconds(f.longest_downtime) + " for the rescheduled");
      if (down > 0)
        parts.push_back(
            fmt::format("until {} return(s) for {} service(s)", joined(f.scenario.lost, " and "), down));
      row.downtime = parts.empty() ? "none (degraded)" : joined(parts, "; ");
      if (f.rescheduled > 0) notes.push_back(fmt::format("{} replica(s) reschedule", f.rescheduled));
      if (down > 0)
        notes.push_back(fmt::format("down: {} ({})", names_with_state(f, ServiceState::down),
                                    dominant_reason(f, ServiceState::down)));
      if (degraded > 0)
        notes.push_back(fmt::format("degraded: {} ({})", names_with_state(f, ServiceState::degraded),
                                    dominant_reason(f, ServiceState::degraded)));
    }
  }
  model::Bytes short_total = 0;
  for (const auto& p : f.survivors) short_total += p.memory_short;
  if (short_total > 0)
    notes.push_back(fmt::format("survivors short of {} memory ({} to move, {} free)",
                                model::format_bytes(short_total), model::format_bytes(f.memory_to_move),
                                model::format_bytes(f.memory_free_before)));
  for (const auto& n : notes) row.notes += (row.notes.empty() ? "" : "; ") + n;
  return row;
}

std::string side_names(const std::vector<std::string>& side) { return joined(side, ","); }

SummaryRow partition_row(const PartitionResult& p) {
  SummaryRow row;
  row.scenario = "partition " + p.scenario.name();
  std::vector<std::string> notes;
  if (p.quorum_side < 0) {
    row.automatic = "❌ No";
    row.downtime = "until the network heals";
    notes.push_back("no side keeps quorum: both read-only, running tasks keep running");
  } else {
    const auto& side = p.quorum_side == 0 ? p.scenario.side_a : p.scenario.side_b;
    const auto& q = p.quorum_side == 0 ? p.side_a : p.side_b;
    bool clean = p.quorum_view->stranded == 0 && p.unreachable_from_edge.empty();
    row.automatic = clean ? "✅ Yes" : "⚠️ Partial";
    row.downtime =
        p.quorum_view->nothing_down() && p.unreachable_from_edge.empty()
            ? (p.quorum_view->longest_downtime > 0 ? seconds(p.quorum_view->longest_downtime) : "none")
            : "until the network heals";
    notes.push_back(fmt::format("{} keeps quorum ({} of {})", side_names(side), q.alive, q.managers));
    if (!p.frozen.empty())
      notes.push_back(
          fmt::format("{} service(s) on the other side run but cannot be replaced", p.frozen.size()));
    if (!p.two_writers.empty())
      notes.push_back("started twice, two writers on shared storage: " + joined(p.two_writers, ", "));
  }
  if (!p.edge_servers.empty())
    notes.push_back(fmt::format("edge {} {}", joined(p.edge_servers, ","),
                                p.edge_side < 0                ? "on both sides"
                                : p.edge_side == p.quorum_side ? "on the quorum side"
                                                               : "on the read-only side"));
  if (!p.unreachable_from_edge.empty())
    notes.push_back(fmt::format("{} service(s) unreachable from the edge", p.unreachable_from_edge.size()));
  for (const auto& n : notes) row.notes += (row.notes.empty() ? "" : "; ") + n;
  return row;
}

}  // namespace

FailoverAnalysis analyse_failover(const Cluster& cluster, const std::vector<Scenario>& failures,
                                  const std::vector<Scenario>& partitions, const RecoveryModel& model) {
  FailoverAnalysis a;
  a.estate = cluster.estate().name;
  a.servers = cluster.server_count();
  a.managers = cluster.manager_count();
  a.model = model;
  for (const auto& sc : failures) {
    a.failures.push_back(analyse_failure(cluster, sc, model));
    if (a.failures.back().nothing_down()) ++a.failures_without_down;
  }
  for (const auto& sc : partitions) a.partitions.push_back(analyse_partition(cluster, sc, model));
  a.score = a.failures.empty() ? 1.0 : static_cast<double>(a.failures_without_down) / a.failures.size();

  a.recommendations = recommend_managers(cluster);
  auto stranded = recommend_for_stranded(cluster, a.failures);
  a.recommendations.insert(a.recommendations.end(), stranded.begin(), stranded.end());

  // Where "Swarm reschedules everything automatically" is optimistic for the capacities at hand.
  for (const auto& f : a.failures) {
    if (!f.quorum.has_quorum) continue;
    int no_room = 0;
    for (const auto& so : f.services)
      for (const auto& ro : so.replicas) no_room += ro.reason == StrandReason::no_room;
    if (no_room > 0)
      a.reality_checks.push_back(
          fmt::format("{}: {} replica(s) find no room on the survivors (see the shortfall per server)",
                      f.scenario.name(), no_room));
    if (f.memory_to_move > f.memory_free_before)
      a.reality_checks.push_back(fmt::format(
          "{}: its replicas reserve {} but the survivors have only {} free: even with shared storage for "
          "every "
          "volume, {} of it could not run anywhere",
          f.scenario.name(), model::format_bytes(f.memory_to_move), model::format_bytes(f.memory_free_before),
          model::format_bytes(f.memory_to_move - f.memory_free_before)));
    if (f.slowest_recovery > 60000)
      a.reality_checks.push_back(
          fmt::format("{}: the slowest replica needs {} to be healthy again, not ~60 s", f.scenario.name(),
                      seconds(f.slowest_recovery)));
  }
  return a;
}

std::vector<SummaryRow> summary_rows(const FailoverAnalysis& analysis) {
  std::vector<SummaryRow> rows;
  for (const auto& f : analysis.failures) rows.push_back(failure_row(f));
  for (const auto& p : analysis.partitions) rows.push_back(partition_row(p));
  return rows;
}

}  // namespace rehome::resilience
