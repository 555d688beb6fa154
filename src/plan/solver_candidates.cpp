#include "plan/solver_candidates.hpp"

#include <algorithm>

namespace rehome::plan::solver {

Candidates::Candidates(const Draft& draft) : stamp_(draft.servers(), 0) {
  std::vector<ServerId> all(draft.servers());
  for (ServerId s = 0; s < all.size(); ++s) all[s] = s;
  auto top = [&](auto better) {
    std::vector<ServerId> v = all;
    size_t n = std::min<size_t>(4, v.size());
    std::partial_sort(v.begin(), v.begin() + static_cast<long>(n), v.end(), better);
    v.resize(n);
    return v;
  };
  auto server = [&](ServerId s) -> const model::Server& { return draft.server(s); };
  by_memory_ = top([&](ServerId a, ServerId b) {
    return server(a).memory != server(b).memory ? server(a).memory > server(b).memory : a < b;
  });
  by_cpu_ = top([&](ServerId a, ServerId b) {
    return server(a).cpu() != server(b).cpu() ? server(a).cpu() > server(b).cpu() : a < b;
  });
  for (ServerId s = 0; s < all.size() && weak_.size() < 4; ++s)
    if (is_weak(server(s))) weak_.push_back(s);
}

std::vector<ServerId> Candidates::operator()(Draft& draft, size_t service, const CandidatePolicy& policy) {
  const auto& facts = draft.facts(service);
  const auto& svc = *facts.svc;
  const auto& state = draft.state();
  std::vector<ServerId> out;
  if (++current_stamp_ == 0) std::fill(stamp_.begin(), stamp_.end(), 0), current_stamp_ = 1;
  auto consider = [&](ServerId s) {
    if (stamp_[s] == current_stamp_) return false;
    stamp_[s] = current_stamp_;
    if (policy.keep_servers && state.load(s).total == 0) return false;
    if (!state.fits(svc, s)) return false;
    out.push_back(s);
    return true;
  };
  if (facts.confined) {
    for (ServerId s : facts.eligible) consider(s);
    return out;
  }
  for (ServiceId p : draft.ctx().partners[service]) {
    const auto& where = draft.placed(p);
    for (size_t k = 0; k < where.size() && k < 3; ++k) consider(where[k]);
  }
  for (ServerId s : by_memory_) consider(s);
  for (ServerId s : by_cpu_) consider(s);
  for (ServerId s : weak_) consider(s);
  const int want = std::max(1, policy.want);
  int taken = 0, looked = 0;
  const int look_limit = want + 64;
  const auto& by_memory = draft.by_free_memory();
  if (policy.best_fit) {
    // Tightest servers already in use first (best fit); a new server only when none has room, and then
    // the one with the most room (the fallbacks below), so fewer servers end up in use.
    for (auto it = by_memory.lower_bound({svc.resources.memory_reservation, 0});
         it != by_memory.end() && taken < want && looked < 2 * look_limit; ++it, ++looked)
      if (state.load(it->second).total > 0) taken += consider(it->second);
    if (out.empty())
      for (auto it = by_memory.rbegin(); it != by_memory.rend() && taken < want && looked < look_limit;
           ++it, ++looked)
        taken += consider(it->second);
  } else {
    for (auto it = by_memory.rbegin(); it != by_memory.rend() && taken < want && looked < look_limit;
         ++it, ++looked)
      taken += consider(it->second);
  }
  if (out.empty()) {  // memory-rich servers may be out of CPU: try the CPU-richest ones
    looked = 0;
    const auto& by_cpu = draft.by_free_cpu();
    for (auto it = by_cpu.rbegin(); it != by_cpu.rend() && out.empty() && looked < look_limit; ++it, ++looked)
      consider(it->second);
  }
  // The last resort scans every server, but scores no more than `want` of them (pack's improvement,
  // which keeps the servers in use, leaves the replica where it is instead).
  if (out.empty() && !policy.keep_servers)
    for (ServerId s = 0; s < draft.servers() && static_cast<int>(out.size()) < want; ++s) consider(s);
  return out;
}

}  // namespace rehome::plan::solver
