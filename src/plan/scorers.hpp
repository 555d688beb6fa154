#pragma once
#include <cstdint>
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

// A finished plan indexed once for the verdicts (100k assignments make name lookups per scorer costly).
struct PlanIndex {
  PlanIndex(const Plan& plan, const std::vector<ServerLoad>& loads, const PlacementContext& ctx);
  const Plan& plan;
  const std::vector<ServerLoad>& loads;  // the final loads per server index
  // The distinct (service, server) pairs of the plan, in the order of their first assignment; names
  // unknown to the estate are left out.
  std::vector<std::pair<ServiceId, std::uint32_t>> pairs;
  std::vector<std::vector<std::uint32_t>> servers_of;  // per service: its distinct servers, same order
};

class Scorer {
 public:
  virtual ~Scorer() = default;
  virtual std::string_view name() const = 0;  // "monitoring-off-production"
  virtual double weight() const = 0;
  virtual bool applies(const model::Service&, const PlacementContext&) const = 0;
  // The service's replica on `server` whose load does NOT yet include it.
  virtual double score(const model::Service&, const model::Server&, const ServerLoad&,
                       const PlacementContext&) const = 0;
  // Verdicts for a finished plan.
  virtual std::vector<SoftRuleOutcome> explain(const PlanIndex&, const PlacementContext&) const = 0;
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

// The scorers that apply to a service, in order (ask once per service, score many candidates).
std::vector<const Scorer*> applicable_scorers(const Scorers& scorers, const model::Service&,
                                              const PlacementContext&);
// Weighted sum of the applicable scorers for one candidate (higher is better).
double weighted_score(const std::vector<const Scorer*>& applicable, const model::Service&,
                      const model::Server&, const ServerLoad&, const PlacementContext&);

// Every scorer's verdicts for a finished plan, and the plan's score: the weighted share of soft-rule
// outcomes met, 0..100.
struct Evaluation {
  std::vector<SoftRuleOutcome> outcomes;
  double score = 100;
};
Evaluation evaluate_soft_rules(const Plan&, const Scorers&, const std::vector<ServerLoad>& loads,
                               const PlacementContext&);

}  // namespace rehome::plan
