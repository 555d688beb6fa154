#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "plan/feasibility.hpp"
#include "plan/plan.hpp"

namespace rehome::plan {

// Soft rules as scorers (the Score plugins of the Kubernetes scheduler, Nomad's rankers). A scorer
// rates a candidate server for one replica in [0, 1] (1 = best) in O(1)-ish time, and, for a finished
// plan, says per service whether the rule is met and why, in plain words. A scorer that does not apply
// to a service returns `neutral` (1.0) and no outcome.
enum class Strategy { balance, pack };  // balance: spread load (Swarm-like); pack: fewest servers

class Scorer {
 public:
  virtual ~Scorer() = default;
  virtual std::string_view name() const = 0;  // "monitoring-off-production"
  virtual double weight() const = 0;
  virtual bool applies(const model::Service&, const PlacementContext&) const = 0;
  // The service's replica on `server` whose load does NOT yet include it.
  virtual double score(const model::Service&, const model::Server&, const ServerLoad&,
                       const PlacementContext&) const = 0;
  // Verdicts for a finished plan; `loads` are the final loads per server index.
  virtual std::vector<SoftRuleOutcome> explain(const Plan&, const std::vector<ServerLoad>& loads,
                                               const PlacementContext&) const = 0;
};

using Scorers = std::vector<std::unique_ptr<Scorer>>;

Scorers default_scorers(Strategy strategy = Strategy::balance);
std::unique_ptr<Scorer> make_databases_on_memory_scorer();        // databases-on-memory
std::unique_ptr<Scorer> make_monitoring_off_production_scorer();  // monitoring-off-production
std::unique_ptr<Scorer> make_ci_off_production_scorer();          // ci-off-production
std::unique_ptr<Scorer> make_partners_together_scorer();          // partners-together
std::unique_ptr<Scorer> make_replicas_spread_scorer();            // replicas-spread
std::unique_ptr<Scorer> make_weak_servers_scorer();               // weak-servers-staging-only
std::unique_ptr<Scorer> make_production_on_strongest_scorer();    // production-on-strongest
std::unique_ptr<Scorer> make_stack_together_scorer();             // stack-together
std::unique_ptr<Scorer> make_balance_scorer(Strategy strategy);   // balance | pack

// Weighted sum of the scorers for one candidate (higher is better).
double weighted_score(const Scorers& scorers, const model::Service&, const model::Server&, const ServerLoad&,
                      const PlacementContext&);

// Every scorer's verdicts for a finished plan, and the plan's score: the weighted share of soft-rule
// outcomes met, 0..100.
struct Evaluation {
  std::vector<SoftRuleOutcome> outcomes;
  double score = 100;
};
Evaluation evaluate_soft_rules(const Plan&, const Scorers&, const std::vector<ServerLoad>& loads,
                               const PlacementContext&);

}  // namespace rehome::plan
