#pragma once
#include <string>
#include <utility>
#include <vector>

#include "model/estate.hpp"

namespace rehome::resilience {

// How long a replica on a lost server takes to be healthy again elsewhere. Every figure is a flag of
// `rehome failover` (see docs/resilience.md); defaults follow Swarm's own defaults where it has one.
struct RecoveryModel {
  // Time until the managers declare the node down. Swarm: dispatcher heartbeat period (5 s) times a
  // grace multiplier of 3, with jitter; 10 s is the figure seed 003 and most write-ups use.
  model::Millis detection = 10000;
  // Extra when a lost server was a manager: if it was the leader, Raft elects a new one first
  // (swarmkit: election tick 10 x 1 s), and the new leader's dispatcher re-registers the nodes.
  model::Millis leader_election = 10000;
  model::Millis scheduling = 1000;       // orchestrator + scheduler + allocator, one batch
  model::Millis restart_delay = 5000;    // restart_policy.delay (Swarm default 5 s)
  model::Millis image_pull = 20000;      // when the image is not on the target server yet
  model::Millis container_start = 2000;  // create + start, before the process is up
};

// Swarm's dispatcher heartbeat period times its grace multiplier (3): the detection delay that a
// `docker swarm update --dispatcher-heartbeat P` cluster shows.
model::Millis detection_from_dispatcher_heartbeat(model::Millis period);

struct RecoveryEstimate {
  model::Millis expected = 0;  // detection .. first passing health check after the start period
  model::Millis worst = 0;     // .. the health check needs every retry (interval x retries)
  std::vector<std::pair<std::string, model::Millis>> parts;  // ("detection", 10000), ... for people
};

struct RecoveryContext {
  bool manager_lost = false;   // a manager went down with the server (maybe the leader)
  bool image_present = false;  // the target server already holds the image
};

RecoveryEstimate estimate_recovery(const model::Service& service, const RecoveryModel& m,
                                   const RecoveryContext& ctx);

}  // namespace rehome::resilience
