// The drill's section: one table per drill, predicted beside measured, each row judged.
#include <fmt/format.h>

#include "report/report.hpp"

namespace rehome::report {

DrillView drill_view(const resilience::DrillResult& d) {
  DrillView v;
  v.title = d.scenario + (d.stack.empty() ? "" : " (stack " + d.stack + ")");
  std::string quorum = fmt::format("{} of {} managers left, quorum predicted {}", d.quorum.alive,
                                   d.quorum.managers, d.quorum.has_quorum ? "kept" : "lost");
  if (d.quorum.has_quorum && d.leader_ms >= 0)
    quorum += fmt::format(" and kept (a leader answered after {:.1f} s)", d.leader_ms / 1000.0);
  else if (d.quorum.has_quorum == d.quorum_refused)
    quorum += d.quorum_refused ? ", but the managers refused: " + d.quorum_message
                               : ", but the cluster still scheduled";
  else if (!d.quorum.has_quorum)
    quorum += " and the cluster refused to schedule";
  int misses = d.misses();
  v.summary = fmt::format("{}; {}", quorum,
                          misses == 0 ? "every service measured as predicted"
                                      : fmt::format("{} miss(es) against the prediction", misses));
  if (d.observed_ms > 0)
    v.summary += fmt::format("; watched {:.0f} s after the stop", d.observed_ms / 1000.0);
  if (d.all_back_ms >= 0)
    v.summary += fmt::format("; every affected service back after {:.1f} s", d.all_back_ms / 1000.0);
  for (const auto& row : d.rows) {
    std::string verdict = resilience::is_miss(row.verdict)
                              ? "No, " + resilience::to_string(row.verdict) + ": " + row.why
                              : "Yes, " + resilience::to_string(row.verdict);
    v.rows.push_back({row.service, row.from, row.predicted,
                      row.measured_ms >= 0
                          ? fmt::format("{:.1f} s{}", row.measured_ms / 1000.0,
                                        row.measured_on.empty() ? "" : " on " + row.measured_on)
                          : "not back",
                      verdict});
  }
  return v;
}

}  // namespace rehome::report
