#pragma once
#include <optional>
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

// A server's part in running the cluster (beyond the replicas it holds), with the reason in plain words.
struct RoleChoice {
  std::string server;
  std::string reason;  // "declared role: manager in the estate", "edge: true in the estate", ...
};

// Which servers are Swarm managers and which take the public traffic. Decided once, after placement
// (plan/roles.hpp); generate, resilience, runbook and report only read them.
struct Roles {
  std::vector<RoleChoice> managers;  // join order: the first runs `docker swarm init`
  std::vector<RoleChoice> edge;  // take public traffic (80/443): the router's forward, the firewall opening

  bool is_manager(const std::string& server) const;
  bool is_edge(const std::string& server) const;
  std::vector<std::string> manager_names() const;
  std::vector<std::string> edge_names() const;
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
  // The roles a reviewed plan.yaml names; empty for a plan straight from the solver, a plan.yaml from
  // before roles, or a plan built in code. Read them with plan::roles_of (plan/roles.hpp), which decides
  // them with plan::decide_roles when they are empty, so every reader sees the same roles.
  std::optional<Roles> roles;

  std::vector<std::string> servers_of(const std::string& service) const;  // one entry per replica
  std::vector<std::string> services_on(const std::string& server) const;  // one entry per replica
};

}  // namespace rehome::plan
