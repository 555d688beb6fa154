#pragma once
#include <vector>

#include "plan/solver_select.hpp"

namespace rehome::plan::solver {

struct ImprovePolicy {
  int rounds = 2;                    // passes over every replica (PlanOptions::improvement_rounds)
  bool empty_light_servers = false;  // pack: each round also tries to empty the lightest servers in use
};

// The improvement pass: each replica is taken out and put back on the best candidate (Selector), which
// now sees every other replica (monitoring sees where production ended up, partners see each other).
// Stops after a round that moves nothing; one round only above 20k replicas (about a second at 100k).
void improve(Draft& draft, Selector& selector, const std::vector<Replica>& replicas,
             const ImprovePolicy& policy);

}  // namespace rehome::plan::solver
