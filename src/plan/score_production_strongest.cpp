#include <fmt/format.h>

#include "plan/scorer_util.hpp"

namespace rehome::plan {
namespace {

// Production services on the strongest CPUs: they carry the users' requests, and the proxy in front of
// them handles every connection.
class ProductionOnStrongest final : public Scorer {
 public:
  std::string_view name() const override { return "production-on-strongest"; }
  double weight() const override { return 3; }
  bool applies(const model::Service& s, const PlacementContext&) const override {
    return is_production_workload(s);
  }
  double score(const model::Service&, const model::Server& server, const ServerLoad&,
               const PlacementContext& ctx) const override {
    return ctx.is_production_server(server) ? 1.0 : 0.0;
  }
  std::vector<SoftRuleOutcome> explain(const PlanIndex& placed, const PlacementContext& ctx) const override {
    return explain_each_placement(
        *this, placed, ctx,
        [&](const model::Service& svc, const model::Server& server,
            const ServerLoad&) -> std::optional<Verdict> {
          // Met on any server with at least half the strongest server's threads.
          if (server.cpu() * 2 >= ctx.max_server_cpu) return std::nullopt;
          return Verdict{false,
                         fmt::format("{} (production) runs on {} with {} CPU threads, the strongest has {}",
                                     svc.name, server.name, server.cpu_threads, ctx.max_server_cpu / 1000)};
        });
  }
};

}  // namespace

std::unique_ptr<Scorer> make_production_on_strongest_scorer() {
  return std::make_unique<ProductionOnStrongest>();
}

}  // namespace rehome::plan
