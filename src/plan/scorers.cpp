#include "plan/scorers.hpp"

#include <cstdint>
#include <unordered_set>

#include <fmt/format.h>

#include "plan/scorer_util.hpp"

namespace rehome::plan {

Scorers default_scorers(Strategy strategy) {
  Scorers s;
  s.push_back(make_weak_servers_scorer());
  s.push_back(make_databases_on_memory_scorer());
  s.push_back(make_monitoring_off_production_scorer());
  s.push_back(make_ci_off_production_scorer());
  s.push_back(make_partners_together_scorer());
  s.push_back(make_replicas_spread_scorer());
  s.push_back(make_production_on_strongest_scorer());
  s.push_back(make_stack_together_scorer());
  s.push_back(make_balance_scorer(strategy));
  return s;
}

double weighted_score(const Scorers& scorers, const model::Service& svc, const model::Server& server,
                      const ServerLoad& load, const PlacementContext& ctx) {
  double total = 0;
  for (const auto& s : scorers)
    if (s->applies(svc, ctx)) total += s->weight() * s->score(svc, server, load, ctx);
  return total;
}

Evaluation evaluate_soft_rules(const Plan& plan, const Scorers& scorers, const std::vector<ServerLoad>& loads,
                               const PlacementContext& ctx) {
  Evaluation ev;
  double met = 0, all = 0;
  for (const auto& s : scorers) {
    for (auto& o : s->explain(plan, loads, ctx)) {
      all += o.weight;
      if (o.met) met += o.weight;
      ev.outcomes.push_back(std::move(o));
    }
  }
  ev.score = all > 0 ? 100.0 * met / all : 100.0;
  return ev;
}

std::vector<SoftRuleOutcome> explain_each_placement(
    const Scorer& scorer, const Plan& plan, const std::vector<ServerLoad>& loads, const PlacementContext& ctx,
    const std::function<std::optional<Verdict>(const model::Service&, const model::Server&,
                                               const ServerLoad&)>& judge) {
  std::vector<SoftRuleOutcome> out;
  // (service, server) pairs already judged, as indices: 100k replicas make string pairs costly here.
  // A plan lists a service's replicas together, so the service looked up last is usually the next one.
  std::unordered_set<std::uint64_t> seen;
  const model::Service* svc = nullptr;
  bool applies = false;
  for (const auto& a : plan.assignments) {
    if (!svc || svc->name != a.service) {
      auto it = ctx.services_by_name.find(a.service);
      svc = it == ctx.services_by_name.end() ? nullptr : it->second;
      applies = svc && scorer.applies(*svc, ctx);
    }
    if (!applies) continue;
    auto srv = ctx.server_index.find(a.server);
    if (srv == ctx.server_index.end()) continue;
    const auto service_index = static_cast<std::uint64_t>(svc - ctx.estate.services.data());
    if (!seen.insert(service_index << 32 | srv->second).second) continue;
    const auto& server = ctx.estate.servers[srv->second];
    if (auto v = judge(*svc, server, loads[srv->second]))
      out.push_back({std::string(scorer.name()), a.service, a.server, v->met, scorer.weight(), v->reason});
  }
  return out;
}

std::string gb(model::Bytes b) { return fmt::format("{:.1f} GB", static_cast<double>(b) / model::GiB); }

}  // namespace rehome::plan
