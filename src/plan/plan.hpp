#pragma once
#include <string>
#include <vector>

#include "model/estate.hpp"

namespace rehome::plan {

// One replica of one service on one server. Global services get one assignment per server.
struct Assignment {
  std::string service;
  int replica = 0;  // 0-based index among the service's replicas
  std::string server;
};

// A soft rule's verdict for one service (or pair), with the reason in plain words.
struct SoftRuleOutcome {
  std::string rule;  // e.g. "monitoring-off-production"
  std::string service;
  std::string server;  // where it was placed (may be empty for service-wide rules)
  bool met = false;
  double weight = 0;   // how much it counts in the score
  std::string reason;  // "prometheus shares gmktec with the production services"
};

// The plan is a value: replica -> server, with the reasons. Everything after the plan reads it and
// never re-decides placement. Written to plan.yaml so a person can review and edit it.
struct Plan {
  std::vector<Assignment> assignments;
  std::vector<SoftRuleOutcome> soft_rules;
  double headroom = 0.10;
  double score = 0;  // higher is better; see plan/score docs
  std::string estate_name;
  model::SourceLocation where;  // the plan.yaml it was read from, if any

  std::vector<std::string> servers_of(const std::string& service) const;  // one entry per replica
  std::vector<std::string> services_on(const std::string& server) const;  // one entry per replica
};

}  // namespace rehome::plan
