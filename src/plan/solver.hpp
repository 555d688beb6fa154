#pragma once
#include <optional>
#include <string>

#include "common/error.hpp"
#include "model/estate.hpp"
#include "plan/plan.hpp"
#include "plan/scorers.hpp"

namespace rehome::plan {

struct PlanOptions {
  std::optional<double> headroom;  // share kept free; default: the estate's (10 %)
  Strategy strategy = Strategy::balance;
  int candidates = 4;                 // servers scored per replica (drawn from the free-capacity index)
  int improvement_rounds = 2;         // local moves/swaps passes after the greedy placement
  long search_budget = 200000;        // exact search steps tried when greedy finds no place (small estates)
  long pack_search_budget = 1000000;  // pack: exact search steps on small instances (~50-80 ms at most)
};

// Why no plan exists: the replica that cannot go anywhere and where it came closest.
struct Infeasibility {
  std::string service;
  int replica = 0;
  std::string closest_server;  // empty when no server passes the non-capacity rules
  model::Bytes needed_memory = 0;
  model::Bytes free_memory = 0;  // on the closest server, after headroom
  model::Bytes short_by = 0;
  std::string
      message;  // "gitlab needs 4.0 GB; closest: wsasus with 2.1 GB free after headroom, short by 1.9 GB"
};

struct SolveResult {
  std::optional<Plan> plan;
  std::optional<Infeasibility> failure;
};

// Never throws for infeasible estates: `failure` says why.
SolveResult solve(const model::Estate& estate, const PlanOptions& options = {});

class InfeasibleError : public UserError {
 public:
  explicit InfeasibleError(Infeasibility why);
  const Infeasibility& why() const { return why_; }

 private:
  Infeasibility why_;
};

// The plan, or throws InfeasibleError (a UserError with exit code 1).
Plan make_plan(const model::Estate& estate, const PlanOptions& options = {});

// Soft-rule outcomes and score of any plan (the solver's or a person's) with the default scorers.
void annotate(Plan& plan, const model::Estate& estate, Strategy strategy = Strategy::balance);

}  // namespace rehome::plan
