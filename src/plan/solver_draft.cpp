#include "plan/solver_draft.hpp"

#include <algorithm>

namespace rehome::plan::solver {

Draft::Draft(const model::Estate& estate, double headroom, const Scorers& scorers)
    : estate_(estate),
      state_(estate, headroom),
      facts_(estate.services.size()),
      placed_(estate.services.size()),
      cpu_is_stale_(estate.servers.size(), false) {
  for (size_t i = 0; i < estate.services.size(); ++i) {
    auto& f = facts_[i];
    f.svc = &estate.services[i];
    if (auto eligible = eligible_servers(state_.rules(), *f.svc, ctx())) {
      f.confined = true;
      f.eligible = std::move(*eligible);
    }
    f.scorers = applicable_scorers(scorers, *f.svc, ctx());
  }
  for (ServerId s = 0; s < estate.servers.size(); ++s) {
    memory_pos_.push_back(free_memory_.insert({state_.free_memory(s), s}).first);
    cpu_pos_.push_back(free_cpu_.insert({state_.free_cpu(s), s}).first);
  }
}

void Draft::place(size_t service, ServerId s, bool reindex_now) {
  state_.add(*facts_[service].svc, s);
  if (reindex_now) reindex(s);
  placed_[service].push_back(s);
}

void Draft::unplace(size_t service, ServerId s, bool reindex_now) {
  state_.remove(*facts_[service].svc, s);
  if (reindex_now) reindex(s);
  auto& v = placed_[service];
  v.erase(std::find(v.begin(), v.end(), s));
}

void Draft::reindex(ServerId s) {
  if (memory_pos_[s]->first != state_.free_memory(s)) {
    free_memory_.erase(memory_pos_[s]);
    memory_pos_[s] = free_memory_.insert({state_.free_memory(s), s}).first;
  }
  if (!cpu_is_stale_[s]) cpu_is_stale_[s] = true, cpu_stale_.push_back(s);
}

const Draft::CpuIndex& Draft::by_free_cpu() {
  for (ServerId s : cpu_stale_) {
    cpu_is_stale_[s] = false;
    if (cpu_pos_[s]->first == state_.free_cpu(s)) continue;
    free_cpu_.erase(cpu_pos_[s]);
    cpu_pos_[s] = free_cpu_.insert({state_.free_cpu(s), s}).first;
  }
  cpu_stale_.clear();
  return free_cpu_;
}

Plan Draft::to_plan(const Scorers& scorers) const {
  Plan plan;
  plan.headroom = ctx().headroom;
  plan.estate_name = estate_.name;
  for (size_t i = 0; i < facts_.size(); ++i) {
    std::vector<ServerId> where = placed_[i];
    std::sort(where.begin(), where.end());
    for (size_t r = 0; r < where.size(); ++r)
      plan.assignments.push_back({facts_[i].svc->name, static_cast<int>(r), server(where[r]).name});
  }
  auto ev = evaluate_soft_rules(plan, scorers, state_.loads(), ctx());
  plan.soft_rules = std::move(ev.outcomes);
  plan.score = ev.score;
  return plan;
}

}  // namespace rehome::plan::solver
