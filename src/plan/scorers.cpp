#include "plan/scorers.hpp"

#include <algorithm>
#include <cstdint>
#include <tuple>

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

std::vector<const Scorer*> applicable_scorers(const Scorers& scorers, const model::Service& svc,
                                              const PlacementContext& ctx) {
  std::vector<const Scorer*> out;
  for (const auto& s : scorers)
    if (s->applies(svc, ctx)) out.push_back(s.get());
  return out;
}

double weighted_score(const std::vector<const Scorer*>& applicable, const model::Service& svc,
                      const model::Server& server, const ServerLoad& load, const PlacementContext& ctx) {
  double total = 0;
  for (const auto* s : applicable) total += s->weight() * s->score(svc, server, load, ctx);
  return total;
}

PlanIndex::PlanIndex(const Plan& p, const std::vector<ServerLoad>& l, const PlacementContext& ctx)
    : plan(p), loads(l), servers_of(ctx.estate.services.size()) {
  // (service, server, first position) of every known assignment, de-duplicated by sorting: no hashing
  // per assignment, and a plan listing a service's replicas apart still counts each pair once.
  struct Entry {
    ServiceId service;
    std::uint32_t server, position;
  };
  std::vector<Entry> entries;
  entries.reserve(p.assignments.size());
  std::optional<ServiceId> service;
  const std::string* last_name = nullptr;
  for (std::uint32_t i = 0; i < p.assignments.size(); ++i) {
    const auto& a = p.assignments[i];
    if (!last_name || *last_name != a.service) service = ctx.service_id(a.service), last_name = &a.service;
    auto server = ctx.server_index.find(a.server);
    if (service && server != ctx.server_index.end())
      entries.push_back({*service, static_cast<std::uint32_t>(server->second), i});
  }
  auto key = [](const Entry& e) { return std::tuple(e.service, e.server, e.position); };
  std::sort(entries.begin(), entries.end(), [&](const Entry& a, const Entry& b) { return key(a) < key(b); });
  entries.erase(std::unique(entries.begin(), entries.end(),
                            [](const Entry& a, const Entry& b) {
                              return a.service == b.service && a.server == b.server;
                            }),
                entries.end());
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.position < b.position; });
  pairs.reserve(entries.size());
  for (const auto& e : entries) {
    pairs.push_back({e.service, e.server});
    servers_of[e.service].push_back(e.server);
  }
}

Evaluation evaluate_soft_rules(const Plan& plan, const Scorers& scorers, const std::vector<ServerLoad>& loads,
                               const PlacementContext& ctx) {
  Evaluation ev;
  const PlanIndex placed(plan, loads, ctx);
  double met = 0, all = 0;
  for (const auto& s : scorers) {
    for (auto& o : s->explain(placed, ctx)) {
      all += o.weight;
      if (o.met) met += o.weight;
      ev.outcomes.push_back(std::move(o));
    }
  }
  ev.score = all > 0 ? 100.0 * met / all : 100.0;
  return ev;
}

std::vector<SoftRuleOutcome> explain_each_placement(
    const Scorer& scorer, const PlanIndex& placed, const PlacementContext& ctx,
    const std::function<std::optional<Verdict>(const model::Service&, const model::Server&,
                                               const ServerLoad&)>& judge) {
  std::vector<SoftRuleOutcome> out;
  std::optional<ServiceId> last;
  bool applies = false;
  for (const auto& [service, server] : placed.pairs) {
    const auto& svc = ctx.service(service);
    if (last != service) last = service, applies = scorer.applies(svc, ctx);
    if (!applies) continue;
    const auto& srv = ctx.estate.servers[server];
    if (auto v = judge(svc, srv, placed.loads[server]))
      out.push_back({std::string(scorer.name()), svc.name, srv.name, v->met, scorer.weight(), v->reason});
  }
  return out;
}

std::vector<std::string> sorted_names(const std::vector<std::uint32_t>& servers,
                                      const PlacementContext& ctx) {
  std::vector<std::string> names;
  names.reserve(servers.size());
  for (auto s : servers) names.push_back(ctx.estate.servers[s].name);
  std::sort(names.begin(), names.end());
  return names;
}

std::string gb(model::Bytes b) { return fmt::format("{:.1f} GB", static_cast<double>(b) / model::GiB); }

}  // namespace rehome::plan
