#pragma once
#include <optional>
#include <vector>

#include "plan/solver_candidates.hpp"

namespace rehome::plan::solver {

// One placement decision: the candidates (Filter), each scored by the service's scorers with
// weighted_score() (Score), the best taken. Deterministic: a higher score wins; on a tie the current
// server stays, then the lower index.
class Selector {
 public:
  Selector(const Draft& draft, CandidatePolicy policy) : candidates_(draft), policy_(policy) {}

  // The best server for one more replica of `service`; `current` is where it was (improvement pass).
  std::optional<ServerId> choose(Draft& draft, size_t service,
                                 std::optional<ServerId> current = std::nullopt);

  // pack, once the servers are chosen: the soft rules choose among the servers in use only.
  void keep_servers() { policy_.keep_servers = true; }
  const CandidatePolicy& policy() const { return policy_; }

 private:
  Candidates candidates_;
  CandidatePolicy policy_;
};

}  // namespace rehome::plan::solver
