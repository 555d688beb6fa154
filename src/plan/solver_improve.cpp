#include "plan/solver_improve.hpp"

#include <algorithm>

namespace rehome::plan::solver {
namespace {

// pack: try to empty the lightest used servers onto the other used ones (fewer servers in use).
bool empty_light_servers(Draft& draft) {
  const auto& state = draft.state();
  std::vector<ServerId> used;
  for (ServerId s = 0; s < draft.servers(); ++s)
    if (state.load(s).total > 0) used.push_back(s);
  std::sort(used.begin(), used.end(), [&](ServerId a, ServerId b) {
    return state.load(a).memory != state.load(b).memory ? state.load(a).memory < state.load(b).memory : a < b;
  });
  bool any = false;
  const size_t tries = std::min<size_t>(used.size(), 16);
  for (size_t t = 0; t < tries; ++t) {
    const ServerId victim = used[t];
    std::vector<std::pair<size_t, ServerId>> moves;  // (service, to)
    std::vector<std::pair<size_t, int>> residents;
    for (const auto& [idx, count] : state.load(victim).replicas)
      if (!draft.facts(idx).svc->global) residents.push_back({idx, count});
    bool ok = true;
    for (auto [idx, count] : residents) {
      const auto& svc = *draft.facts(idx).svc;
      for (int c = 0; c < count && ok; ++c) {
        draft.unplace(idx, victim);
        std::optional<ServerId> to;
        const auto& by_memory = draft.by_free_memory();
        int looked = 0;
        for (auto it = by_memory.lower_bound({svc.resources.memory_reservation, 0});
             it != by_memory.end() && looked < 256; ++it, ++looked)
          if (it->second != victim && state.load(it->second).total > 0 && state.fits(svc, it->second)) {
            to = it->second;
            break;
          }
        if (!to) {
          draft.place(idx, victim);
          ok = false;
          break;
        }
        draft.place(idx, *to);
        moves.push_back({idx, *to});
      }
      if (!ok) break;
    }
    if (!ok) {  // undo: the server stays in use
      for (auto it = moves.rbegin(); it != moves.rend(); ++it) {
        draft.unplace(it->first, it->second);
        draft.place(it->first, victim);
      }
      continue;
    }
    any = any || !moves.empty();
  }
  return any;
}

}  // namespace

void improve(Draft& draft, Selector& selector, const std::vector<Replica>& replicas,
             const ImprovePolicy& policy) {
  const int rounds = replicas.size() > 20000 ? std::min(1, policy.rounds) : policy.rounds;
  for (int round = 0; round < rounds; ++round) {
    bool moved = false;
    for (const auto& r : replicas) {
      const auto& where = draft.placed(r.service);
      if (where.empty()) continue;
      const ServerId from = where[static_cast<size_t>(r.index) % where.size()];
      // The indexes still rank `from` with this replica on it while the candidates are chosen.
      draft.unplace(r.service, from, false);
      const ServerId to = selector.choose(draft, r.service, from).value_or(from);
      draft.place(r.service, to, false);
      if (to != from) draft.reindex(from), draft.reindex(to), moved = true;
    }
    if (policy.empty_light_servers) moved = empty_light_servers(draft) || moved;
    if (!moved) break;
  }
}

}  // namespace rehome::plan::solver
