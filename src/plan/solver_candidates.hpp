#pragma once
#include <cstdint>
#include <vector>

#include "plan/solver_draft.hpp"

namespace rehome::plan::solver {

// How candidates are drawn from the free-capacity index; set once by the solver from the strategy.
struct CandidatePolicy {
  int want = 4;               // feasible servers drawn from the index per replica (PlanOptions::candidates)
  bool best_fit = false;      // pack: the tightest servers in use first, a new server only when none has room
  bool keep_servers = false;  // pack, once the servers are chosen: only servers in use are candidates
};

// Candidate selection (the Filter step): a bounded set of servers worth scoring, each allowed by every
// hard rule (PlacementState::fits). Confined services (FeasibilityRule::confines) get every eligible
// server; the others the preferred few (partners' servers, the biggest, the strongest, the weak ones)
// plus `want` feasible servers from the free-capacity index; every server only when none of those fits,
// so a feasible server is never missed.
class Candidates {
 public:
  explicit Candidates(const Draft& draft);
  std::vector<ServerId> operator()(Draft& draft, size_t service, const CandidatePolicy& policy);

 private:
  std::vector<ServerId> by_memory_, by_cpu_, weak_;  // a few preferred servers, best first
  std::vector<std::uint32_t> stamp_;                 // de-duplicates candidates per query
  std::uint32_t current_stamp_ = 0;
};

}  // namespace rehome::plan::solver
