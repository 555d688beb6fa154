#pragma once
#include <optional>
#include <string>
#include <vector>

#include "model/estate.hpp"
#include "plan/plan.hpp"

namespace rehome::plan {

// A person's proposal measured against the same hard rules and scorers as the solver.
struct Finding {
  enum class Severity { error, warning };  // error = a hard rule is broken
  Severity severity = Severity::error;
  std::string rule;     // "memory", "weak-servers-staging-only", ...
  std::string server;   // may be empty
  std::string service;  // may be empty
  std::string message;  // plain words with numbers
};

struct ServerComparison {
  std::string server;
  std::vector<std::string> proposed;     // service names, one per replica
  std::vector<std::string> recommended;  // empty when no recommended plan exists
  model::Bytes proposed_memory = 0;
  model::Bytes recommended_memory = 0;
  model::Bytes capacity = 0;  // after headroom
};

struct CheckReport {
  std::vector<Finding> findings;
  Plan proposal;  // annotated with soft-rule outcomes
  std::optional<Plan> recommended;
  std::string recommended_failure;  // why no recommended plan exists, if so
  std::vector<ServerComparison> comparison;
  bool hard_rule_broken() const;
};

CheckReport check_proposal(const model::Estate& estate, const Plan& proposal);

// Soft-rule findings as a person reads them: a rule with at most `limit` findings keeps one line per
// finding (text = its message); a rule with more gets one line with the count, the servers involved and
// `limit` examples. In order of each rule's first finding; pass warnings only.
struct SoftLine {
  std::string rule;
  std::string text;
  size_t count = 1;  // findings behind the line
};
std::vector<SoftLine> group_soft_findings(const std::vector<Finding>& warnings, size_t limit = 3);

}  // namespace rehome::plan
