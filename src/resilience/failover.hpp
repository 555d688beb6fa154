#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "resilience/analysis.hpp"
#include "resilience/recommend.hpp"

namespace rehome::resilience {

// Everything `rehome failover` answers for one estate and plan.
struct FailoverAnalysis {
  std::string estate;
  int servers = 0;
  int managers = 0;
  RecoveryModel model;
  std::vector<FailureResult> failures;
  std::vector<PartitionResult> partitions;
  std::vector<Recommendation> recommendations;
  std::vector<std::string> reality_checks;  // where "Swarm reschedules it" meets the numbers
  int failures_without_down = 0;
  double score = 0;  // share of failure scenarios with no service down (1.0 = every one)
};

FailoverAnalysis analyse_failover(const Cluster& cluster, const std::vector<Scenario>& failures,
                                  const std::vector<Scenario>& partitions, const RecoveryModel& model);

// One row per scenario, as seed 003's "Automatic Failover Summary": scenario, automatic recovery?,
// downtime, notes.
struct SummaryRow {
  std::string scenario, automatic, downtime, notes;
};
std::vector<SummaryRow> summary_rows(const FailoverAnalysis& analysis);

std::string render_summary(const FailoverAnalysis& analysis);  // the table, score and reality checks
std::string render_details(const FailoverAnalysis& analysis);  // per scenario, per service
std::string render_recommendations(const FailoverAnalysis& analysis);
nlohmann::json to_json(const FailoverAnalysis& analysis);

}  // namespace rehome::resilience
