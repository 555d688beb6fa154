#include "plan/solver.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "plan/pack.hpp"
#include "plan/pack_exact.hpp"
#include "plan/roles.hpp"
#include "plan/solver_draft.hpp"
#include "plan/solver_explain.hpp"
#include "plan/solver_improve.hpp"
#include "plan/solver_order.hpp"
#include "plan/solver_select.hpp"

namespace rehome::plan {
namespace {

using solver::Draft;
using solver::Replica;
using solver::ServerId;

// The chain (README.md): global services, order, place each replica (pack: the fewest servers first),
// improve, the plan. Every decision is made by a piece: the strategy only sets their policies, here.
class Solver {
 public:
  Solver(const model::Estate& estate, const PlanOptions& options)
      : options_(options),
        scorers_(default_scorers(options.strategy)),
        draft_(estate, options.headroom.value_or(estate.headroom), scorers_),
        selector_(draft_, solver::CandidatePolicy{options.candidates, options.strategy == Strategy::pack}),
        improve_policy_{options.improvement_rounds, options.strategy == Strategy::pack} {}

  SolveResult run() {
    SolveResult result;
    if (draft_.servers() == 0) {
      Infeasibility why;
      why.message = "the estate has no servers to place services on";
      result.failure = why;
      return result;
    }
    if (auto why = place_global_services()) {
      result.failure = why;
      return result;
    }
    const auto replicas = solver::order_replicas(draft_);
    if (options_.strategy == Strategy::pack && pack_fewest(replicas)) {
      // The soft rules only break ties in pack mode: above 20k replicas the servers are nearly full and
      // the moves among them cost more than they gain.
      selector_.keep_servers();
      if (replicas.size() <= 20000) solver::improve(draft_, selector_, replicas, improve_policy_);
      result.plan = draft_.to_plan(scorers_);
      return result;
    }
    for (const auto& r : replicas) {
      auto best = selector_.choose(draft_, r.service);
      if (!best) {
        if (exact_search(replicas)) break;  // small estates: the exact search finds a way
        result.failure = solver::explain_failure(draft_, r);
        return result;
      }
      draft_.place(r.service, *best);
    }
    solver::improve(draft_, selector_, replicas, improve_policy_);
    result.plan = draft_.to_plan(scorers_);
    return result;
  }

 private:
  PlanOptions options_;
  Scorers scorers_;
  Draft draft_;
  solver::Selector selector_;
  solver::ImprovePolicy improve_policy_;

  // Globals first: one per eligible server, before anything competes for the room.
  std::optional<Infeasibility> place_global_services() {
    for (size_t i = 0; i < draft_.facts().size(); ++i) {
      const auto& f = draft_.facts(i);
      if (!f.svc->global) continue;
      for (ServerId s = 0; s < draft_.servers(); ++s) {
        if (f.confined && std::find(f.eligible.begin(), f.eligible.end(), s) == f.eligible.end()) continue;
        if (auto why = draft_.state().why_not(*f.svc, s)) {
          Infeasibility fail;
          fail.service = f.svc->name;
          fail.closest_server = draft_.server(s).name;
          fail.needed_memory = f.svc->resources.memory_reservation;
          fail.free_memory = std::max<model::Bytes>(0, draft_.state().free_memory(s));
          fail.short_by = std::max<model::Bytes>(0, fail.needed_memory - fail.free_memory);
          fail.message = fmt::format("{} runs on every server but cannot on {}: {}", fail.service,
                                     fail.closest_server, *why);
          return fail;
        }
        draft_.place(i, s);
      }
    }
    return std::nullopt;
  }

  std::vector<const model::Service*> services_of(const std::vector<Replica>& replicas) const {
    std::vector<const model::Service*> list;
    list.reserve(replicas.size());
    for (const auto& r : replicas) list.push_back(draft_.facts(r.service).svc);
    return list;
  }

  // pack: the fewest servers first (pack.hpp), then the soft rules choose among those servers.
  bool pack_fewest(const std::vector<Replica>& replicas) {
    PackOptions o;
    o.search_budget = options_.pack_search_budget;
    auto packed = pack_fewest_servers(draft_.state_for_search(), services_of(replicas), o);
    if (!packed) return false;
    for (size_t i = 0; i < replicas.size(); ++i) draft_.place(replicas[i].service, packed->server[i]);
    return true;
  }

  // Greedy found no server for a replica. On small estates the exact search (pack_exact.hpp) decides
  // from the global services alone; its placement replaces the greedy one when it finds one, and the
  // draft is left as greedy left it (for the explanation) when it does not.
  bool exact_search(const std::vector<Replica>& replicas) {
    if (replicas.size() > 40 || draft_.servers() > 12) return false;
    for (size_t i = 0; i < draft_.facts().size(); ++i)
      if (!draft_.facts(i).svc->global)
        while (!draft_.placed(i).empty()) draft_.unplace(i, draft_.placed(i).back());
    auto found = place_exact(draft_.state_for_search(), services_of(replicas), options_.search_budget);
    if (found)
      for (size_t i = 0; i < replicas.size(); ++i) draft_.place(replicas[i].service, found->server[i]);
    else
      for (const auto& r : replicas) {  // greedy again, up to the replica that fits nowhere
        auto best = selector_.choose(draft_, r.service);
        if (!best) break;
        draft_.place(r.service, *best);
      }
    return found.has_value();
  }
};

}  // namespace

SolveResult solve(const model::Estate& estate, const PlanOptions& options) {
  auto result = Solver(estate, options).run();
  if (!result.plan && options.strategy == Strategy::pack) {
    // Best fit can strand CPU on the memory-fullest servers where spreading would not: try balance.
    PlanOptions balance = options;
    balance.strategy = Strategy::balance;
    auto second = Solver(estate, balance).run();
    if (second.plan) return second;
  }
  return result;
}

InfeasibleError::InfeasibleError(Infeasibility why)
    : UserError(why.message,
                "free memory on that server, lower the reservations or the --headroom, or add a server",
                exit_code::findings),
      why_(std::move(why)) {}

Plan make_plan(const model::Estate& estate, const PlanOptions& options) {
  auto result = solve(estate, options);
  if (!result.plan) throw InfeasibleError(*result.failure);
  result.plan->roles = decide_roles(*result.plan, estate);  // decided here, once; later layers read them
  return std::move(*result.plan);
}

void annotate(Plan& plan, const model::Estate& estate, Strategy strategy) {
  PlacementState state(estate, plan.headroom, plan);
  auto ev = evaluate_soft_rules(plan, default_scorers(strategy), state.loads(), state.context());
  plan.soft_rules = std::move(ev.outcomes);
  plan.score = ev.score;
}

}  // namespace rehome::plan
