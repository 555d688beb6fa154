// Text for people: seed 003's summary table generated from the estate, then the detail behind each row.
#include <fmt/format.h>

#include "common/table.hpp"
#include "resilience/failover.hpp"

namespace rehome::resilience {
namespace {

std::string seconds(model::Millis ms) { return fmt::format("~{} s", (ms + 500) / 1000); }

std::string gb(model::Bytes b) { return fmt::format("{:.1f}", static_cast<double>(b) / model::GiB); }

std::string replica_outcome(const ReplicaOutcome& ro) {
  if (ro.fate == ReplicaFate::rescheduled) return "rescheduled to " + ro.to;
  return "stranded: " + ro.why;
}

std::string replica_eta(const ReplicaOutcome& ro, const ServiceOutcome& so) {
  if (ro.fate == ReplicaFate::rescheduled)
    return fmt::format("{} (≤ {})", seconds(ro.eta.expected), seconds(ro.eta.worst));
  return so.state == ServiceState::down ? "down" : "degraded";
}

void render_failure(std::string& out, const FailureResult& f) {
  out += fmt::format("\n== {} ==\n", f.scenario.name());
  if (f.quorum.has_quorum)
    out += fmt::format("quorum kept: {} of {} managers up ({} needed){}\n", f.quorum.alive, f.quorum.managers,
                       f.quorum.needed,
                       f.manager_lost ? "; a new leader is elected if the leader was lost" : "");
  else
    out += fmt::format(
        "QUORUM LOST: {} of {} managers up, {} needed. The cluster is read-only: running tasks keep "
        "running, nothing is rescheduled until `docker swarm init --force-new-cluster` on a "
        "surviving manager.\n",
        f.quorum.alive, f.quorum.managers, f.quorum.needed);
  if (f.services.empty()) {
    out += "no replicated service ran on the lost server(s): nothing to reschedule\n";
  } else {
    out += fmt::format("to move: {} GB reserved; free on the survivors before: {} GB\n", gb(f.memory_to_move),
                       gb(f.memory_free_before));
    Table t({"SERVICE", "FROM", "OUTCOME", "RECOVERY"});
    for (const auto& so : f.services)
      for (const auto& ro : so.replicas)
        t.add_row({so.service, ro.from, replica_outcome(ro), replica_eta(ro, so)});
    out += t.render();
  }
  Table servers({"SURVIVOR", ">MEMORY GB (BEFORE -> AFTER / CAP)", ">CPU (BEFORE -> AFTER / CAP)",
                 ">MOVED IN", "SHORTFALL"});
  for (const auto& p : f.survivors) {
    std::string shortfall;
    if (p.memory_short > 0) shortfall = model::format_bytes(p.memory_short) + " memory";
    if (p.cpu_short > 0)
      shortfall += (shortfall.empty() ? "" : ", ") + model::format_cpu(p.cpu_short) + " CPU";
    servers.add_row(
        {p.server,
         fmt::format("{} -> {} / {}", gb(p.memory_before), gb(p.memory_after), gb(p.memory_capacity)),
         fmt::format("{:.1f} -> {:.1f} / {:.1f}", p.cpu_before / 1000.0, p.cpu_after / 1000.0,
                     p.cpu_capacity / 1000.0),
         std::to_string(p.rescheduled_here), shortfall.empty() ? "-" : shortfall});
  }
  out += servers.render();
}

void render_partition(std::string& out, const PartitionResult& p) {
  out += fmt::format("\n== partition {} ==\n", p.scenario.name());
  auto side = [&](int i) { return i == 0 ? p.scenario.side_a : p.scenario.side_b; };
  for (int i = 0; i < 2; ++i) {
    const auto& q = i == 0 ? p.side_a : p.side_b;
    std::string names;
    for (const auto& n : side(i)) names += (names.empty() ? "" : ",") + n;
    out += fmt::format("side {}: {} managers of {} ({} needed): {}\n", names, q.alive, q.managers, q.needed,
                       q.has_quorum ? "keeps quorum, schedules" : "read-only");
  }
  auto list = [&](const char* what, const std::vector<std::string>& items) {
    if (items.empty()) return;
    std::string s;
    for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
    out += fmt::format("{}: {}\n", what, s);
  };
  list("edge (public traffic) lands on", p.edge_servers);
  list("running on a side without quorum, not replaced if they fail", p.frozen);
  list("started again on the quorum side while still running on the other (two writers on shared storage!)",
       p.two_writers);
  list("no replica on the edge's side (unreachable from the edge)", p.unreachable_from_edge);
  if (p.quorum_view) {
    out += "as the quorum side sees it:";
    render_failure(out, *p.quorum_view);
  }
}

}  // namespace

std::string render_summary(const FailoverAnalysis& a) {
  std::string out = fmt::format(
      "Automatic failover summary for estate '{}' ({} servers, {} managers: tolerates {} "
      "manager failure(s))\n\n",
      a.estate, a.servers, a.managers, tolerated_failures(a.managers));
  Table t({"SCENARIO", "AUTOMATIC RECOVERY?", "DOWNTIME", "NOTES"});
  for (const auto& r : summary_rows(a)) t.add_row({r.scenario, r.automatic, r.downtime, r.notes});
  out += t.render();
  out += fmt::format("\nResilience score: {:.0f}% ({} of {} failure scenarios leave no service down)\n",
                     a.score * 100, a.failures_without_down, a.failures.size());
  if (!a.reality_checks.empty()) {
    out += "\nWhere \"Swarm reschedules it automatically\" is optimistic here:\n";
    for (const auto& r : a.reality_checks) out += "  - " + r + "\n";
  }
  return out;
}

std::string render_details(const FailoverAnalysis& a) {
  std::string out = fmt::format(
      "\nRecovery model: detection {}, leader election {} (when a manager is lost), scheduling {}, restart "
      "delay {}, image pull {} (when the image is not on the target yet), container start {}, then the "
      "service's health check (first passing check after its start period; worst: every retry)\n",
      model::format_duration(a.model.detection), model::format_duration(a.model.leader_election),
      model::format_duration(a.model.scheduling), model::format_duration(a.model.restart_delay),
      model::format_duration(a.model.image_pull), model::format_duration(a.model.container_start));
  for (const auto& f : a.failures) render_failure(out, f);
  for (const auto& p : a.partitions) render_partition(out, p);
  return out;
}

std::string render_recommendations(const FailoverAnalysis& a) {
  if (a.recommendations.empty()) return {};
  std::string out = "\nRecommendations:\n";
  for (const auto& r : a.recommendations) out += fmt::format("  - [{}] {}\n", r.topic, r.text);
  return out;
}

}  // namespace rehome::resilience
