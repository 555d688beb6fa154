#pragma once
// How the machine running rehome (the runner) reaches the new databases, which sit on an internal
// overlay network: for the copy, each database service is published on its node in host mode on a
// port of its own (runner_port: the engine's port + 10000), and that port is limited to the runner's
// address by a rule in Docker's DOCKER-USER chain (published ports bypass UFW's INPUT rules, so the
// limit must sit where Docker's forwarding is filtered) and the same in INPUT (an engine without
// iptables management publishes through its userland proxy). The rule goes in before the port opens and
// comes out after it closed. Once the data is moved and verified, the publish and the rule are
// removed: the database is back to overlay-only. While published, the service is also on an ordinary
// overlay, rehome-reach: Docker binds a host-mode port only for a task with a non-internal network.
#include <string>
#include <vector>

#include "model/estate.hpp"
#include "runbook/runbook.hpp"

namespace rehome::runbook {

// The engine's own port inside the container (5432, 6379, 3306) and the runner's port on the node.
int engine_port(const std::string& engine);
int runner_port(const std::string& engine);

struct Reach {
  std::string service;        // estate service
  std::string swarm_service;  // <stack>_<service>
  std::string engine;
  std::string node;     // the server its (first) replica runs on
  std::string manager;  // where `docker service update` runs
  std::string runner;   // the only source address let in
};

// Opens: the DOCKER-USER guard on the node, then the host-mode publish. `prefix` is the id's phase
// part ("3" in the runbook, the move's own numbering there).
std::vector<Step> open_reach_steps(const Reach& r, int phase, const std::string& prefix);
// Closes: the publish removed, then the guard.
std::vector<Step> close_reach_steps(const Reach& r, int phase, const std::string& prefix);

// The guard rules, each the words after `iptables -I|-C|-D`: in DOCKER-USER (a port Docker DNATs,
// filtered on FORWARD) and in INPUT (a port Docker's userland proxy listens on, when it does not
// manage iptables).
std::vector<std::string> reach_guard_rules(const Reach& r);

}  // namespace rehome::runbook
