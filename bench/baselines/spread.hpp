#pragma once
// Baseline (a): Docker Swarm's spread strategy. Replicas in service order, each on the node with the
// fewest tasks of that service, then the fewest tasks overall, among nodes passing the filters
// (resources, constraints, max_replicas_per_node), as swarmkit's scheduler does. Nodes are kept in a set
// ordered by task count, so each replica looks at a bounded prefix, like swarmkit's node heap.
#include <set>
#include <vector>

#include "plan/placement_state.hpp"

namespace rehome::bench {

// Server index per replica (service order), or empty when some replica found no node.
inline std::vector<std::vector<size_t>> swarm_spread(const model::Estate& e, double headroom) {
  plan::PlacementState st(e, headroom);
  std::set<std::pair<int, size_t>> by_tasks;
  for (size_t s = 0; s < e.servers.size(); ++s) by_tasks.insert({0, s});
  std::vector<std::vector<size_t>> out(e.services.size());
  for (size_t i = 0; i < e.services.size(); ++i) {
    const auto& svc = e.services[i];
    const auto id = static_cast<plan::ServiceId>(i);
    for (int r = 0; r < svc.replicas; ++r) {
      std::optional<size_t> best;
      auto better = [&](size_t s) {
        if (!best) return true;
        int a = st.load(s).count(id), b = st.load(*best).count(id);
        return a != b ? a < b : st.load(s).total < st.load(*best).total;
      };
      int looked = 0;
      for (auto it = by_tasks.begin(); it != by_tasks.end() && looked < 64; ++it) {
        if (!st.fits(svc, it->second)) continue;
        ++looked;
        if (better(it->second)) best = it->second;
        if (st.load(it->second).count(id) == 0) break;  // fewest overall with none of this service
      }
      if (!best)
        for (size_t s = 0; s < e.servers.size(); ++s)
          if (st.fits(svc, s) && better(s)) best = s;
      if (!best) return {};
      by_tasks.erase({st.load(*best).total, *best});
      st.add(svc, *best);
      by_tasks.insert({st.load(*best).total, *best});
      out[i].push_back(*best);
    }
  }
  return out;
}

}  // namespace rehome::bench
