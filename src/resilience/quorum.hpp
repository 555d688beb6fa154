#pragma once

namespace rehome::resilience {

// Swarm managers form a Raft group: the cluster schedules (and reschedules) only while a strict
// majority of the managers is reachable. Without it, running tasks keep running but nothing is
// replaced, created or moved until someone runs `docker swarm init --force-new-cluster`.
struct QuorumVerdict {
  int managers = 0;  // managers in the cluster
  int alive = 0;     // managers still reachable (on this side)
  int needed = 0;    // majority: managers / 2 + 1
  bool has_quorum = false;
};

int quorum_size(int managers);         // 3 -> 2, 5 -> 3, 4 -> 3
int tolerated_failures(int managers);  // 3 -> 1, 5 -> 2, 4 -> 1, 1 -> 0
QuorumVerdict quorum(int managers, int alive);

}  // namespace rehome::resilience
