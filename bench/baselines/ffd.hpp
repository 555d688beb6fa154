#pragma once
// Baseline (b): first-fit decreasing. Replicas by memory reservation, biggest first; each on the
// lowest-numbered server that passes the filters. A max segment tree over free memory finds the first
// server with room in O(log n), so 100k replicas on 10k servers stay fast.
#include <algorithm>
#include <vector>

#include "plan/placement_state.hpp"

namespace rehome::bench {

class FreeTree {  // leftmost index with free >= need, from position `from`
 public:
  explicit FreeTree(const std::vector<model::Bytes>& free) : n_(1) {
    while (n_ < free.size()) n_ *= 2;
    t_.assign(2 * n_, -1);
    for (size_t i = 0; i < free.size(); ++i) t_[n_ + i] = free[i];
    for (size_t i = n_ - 1; i >= 1; --i) t_[i] = std::max(t_[2 * i], t_[2 * i + 1]);
  }
  void set(size_t i, model::Bytes v) {
    i += n_;
    t_[i] = v;
    for (i /= 2; i >= 1; i /= 2) t_[i] = std::max(t_[2 * i], t_[2 * i + 1]);
  }
  long first(model::Bytes need, size_t from) const { return first(1, 0, n_, need, from); }

 private:
  long first(size_t node, size_t lo, size_t hi, model::Bytes need, size_t from) const {
    if (hi <= from || t_[node] < need) return -1;
    if (hi - lo == 1) return static_cast<long>(lo);
    size_t mid = (lo + hi) / 2;
    long left = first(2 * node, lo, mid, need, from);
    return left >= 0 ? left : first(2 * node + 1, mid, hi, need, from);
  }
  size_t n_;
  std::vector<model::Bytes> t_;
};

inline std::vector<std::vector<size_t>> first_fit_decreasing(const model::Estate& e, double headroom) {
  plan::PlacementState st(e, headroom);
  std::vector<std::pair<size_t, int>> replicas;
  for (size_t i = 0; i < e.services.size(); ++i)
    for (int r = 0; r < e.services[i].replicas; ++r) replicas.push_back({i, r});
  std::stable_sort(replicas.begin(), replicas.end(), [&](const auto& a, const auto& b) {
    return e.services[a.first].resources.memory_reservation >
           e.services[b.first].resources.memory_reservation;
  });
  std::vector<model::Bytes> free(e.servers.size());
  for (size_t s = 0; s < free.size(); ++s) free[s] = st.free_memory(s);
  FreeTree tree(free);
  std::vector<std::vector<size_t>> out(e.services.size());
  for (const auto& [i, r] : replicas) {
    const auto& svc = e.services[i];
    long s = tree.first(svc.resources.memory_reservation, 0);
    while (s >= 0 && !st.fits(svc, static_cast<size_t>(s)))
      s = tree.first(svc.resources.memory_reservation, static_cast<size_t>(s) + 1);
    if (s < 0) return {};
    st.add(svc, static_cast<size_t>(s));
    tree.set(static_cast<size_t>(s), st.free_memory(static_cast<size_t>(s)));
    out[i].push_back(static_cast<size_t>(s));
  }
  return out;
}

}  // namespace rehome::bench
