#include "plan/solver_select.hpp"

namespace rehome::plan::solver {

std::optional<ServerId> Selector::choose(Draft& draft, size_t service, std::optional<ServerId> current) {
  const auto& facts = draft.facts(service);
  std::optional<ServerId> best;
  double best_score = 0;
  for (ServerId s : candidates_(draft, service, policy_)) {
    const double sc =
        weighted_score(facts.scorers, *facts.svc, draft.server(s), draft.state().load(s), draft.ctx());
    bool better = !best || sc > best_score + 1e-9 ||
                  (sc > best_score - 1e-9 && (s == current || (*best != current && s < *best)));
    if (better) best = s, best_score = sc;
  }
  return best;
}

}  // namespace rehome::plan::solver
