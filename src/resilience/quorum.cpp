#include "resilience/quorum.hpp"

namespace rehome::resilience {

int quorum_size(int managers) { return managers / 2 + 1; }

int tolerated_failures(int managers) { return managers <= 0 ? 0 : managers - quorum_size(managers); }

QuorumVerdict quorum(int managers, int alive) {
  QuorumVerdict v;
  v.managers = managers;
  v.alive = alive;
  v.needed = quorum_size(managers);
  v.has_quorum = managers > 0 && alive >= v.needed;
  return v;
}

}  // namespace rehome::resilience
