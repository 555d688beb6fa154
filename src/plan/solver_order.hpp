#pragma once
#include <vector>

#include "plan/solver_draft.hpp"

namespace rehome::plan::solver {

// Which replica is placed first. Confined services first (fewest choices); then, when there is room to
// spare (demand <= 80 % of the free capacity), by role, so the scorers see the production servers take
// shape before monitoring and CI pick theirs; within a group, and always on tight estates, biggest first
// (first-fit-decreasing's order). Global services are not in the list (they go on every server).
std::vector<Replica> order_replicas(const Draft& draft);

}  // namespace rehome::plan::solver
