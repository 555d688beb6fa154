#include "plan/solver_order.hpp"

#include <algorithm>

namespace rehome::plan::solver {
namespace {

// The role groups, in placement order: data first (it anchors its partners and wants the most memory),
// then CI, production workloads, everything else, monitoring; anything not in production last.
int role_group(const model::Service& s) {
  if (s.tier != model::Tier::production) return 5;
  if (s.category == model::Category::database || s.category == model::Category::cache ||
      s.category == model::Category::storage)
    return 0;
  if (is_spiky(s)) return 1;
  if (is_production_workload(s)) return 2;
  if (is_monitoring(s)) return 4;
  return 3;
}

}  // namespace

std::vector<Replica> order_replicas(const Draft& draft) {
  model::Bytes demand = 0, capacity = 0;
  for (const auto& f : draft.facts())
    if (!f.svc->global) demand += f.svc->resources.memory_reservation * f.svc->replicas;
  for (ServerId s = 0; s < draft.servers(); ++s) capacity += draft.state().free_memory(s);
  const bool roomy = demand * 10 <= capacity * 8;
  const auto& facts = draft.facts();
  std::vector<int> group(facts.size());
  for (size_t i = 0; i < facts.size(); ++i)
    group[i] = (facts[i].confined ? 0 : 10) + (roomy ? role_group(*facts[i].svc) : 0);
  std::vector<Replica> out;
  for (size_t i = 0; i < facts.size(); ++i)
    if (!facts[i].svc->global)
      for (int r = 0; r < facts[i].svc->replicas; ++r) out.push_back({i, r});
  std::stable_sort(out.begin(), out.end(), [&](const Replica& a, const Replica& b) {
    const auto& x = *facts[a.service].svc;
    const auto& y = *facts[b.service].svc;
    if (group[a.service] != group[b.service]) return group[a.service] < group[b.service];
    if (x.resources.memory_reservation != y.resources.memory_reservation)
      return x.resources.memory_reservation > y.resources.memory_reservation;
    return x.resources.cpu_reservation > y.resources.cpu_reservation;
  });
  return out;
}

}  // namespace rehome::plan::solver
