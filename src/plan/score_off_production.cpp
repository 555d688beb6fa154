#include <fmt/format.h>

#include "plan/scorer_util.hpp"

namespace rehome::plan {
namespace {

// Keeps a kind of workload off the production servers (see PlacementContext::production_server):
// monitoring, so it still sees the production server when that one struggles; spiky CI and batch jobs,
// so a build does not steal the CPU production needs. One class, two rules (see the factories below).
class OffProduction final : public Scorer {
 public:
  using Kind = bool (*)(const model::Service&);
  OffProduction(std::string_view name, Kind kind, std::string_view what)
      : name_(name), kind_(kind), what_(what) {}

  std::string_view name() const override { return name_; }
  double weight() const override { return 3; }
  bool applies(const model::Service& s, const PlacementContext&) const override { return kind_(s); }
  double score(const model::Service&, const model::Server& server, const ServerLoad&,
               const PlacementContext& ctx) const override {
    return ctx.is_production_server(server) ? 0.0 : 1.0;
  }
  std::vector<SoftRuleOutcome> explain(const PlanIndex& placed, const PlacementContext& ctx) const override {
    return explain_each_placement(
        *this, placed, ctx,
        [&](const model::Service& svc, const model::Server& server, const ServerLoad& load) {
          if (!ctx.is_production_server(server))
            return Verdict{true, fmt::format("{} ({}) is off the production servers, on {}", svc.name, what_,
                                             server.name)};
          return Verdict{false,
                         fmt::format("{} ({}) runs on {}, a production server (strongest CPU), beside {} "
                                     "production replica(s)",
                                     svc.name, what_, server.name, load.production)};
        });
  }

 private:
  std::string_view name_;
  Kind kind_;
  std::string_view what_;
};

}  // namespace

std::unique_ptr<Scorer> make_monitoring_off_production_scorer() {
  return std::make_unique<OffProduction>("monitoring-off-production", &is_monitoring, "monitoring");
}

std::unique_ptr<Scorer> make_ci_off_production_scorer() {
  return std::make_unique<OffProduction>("ci-off-production", &is_spiky, "spiky CI/batch");
}

}  // namespace rehome::plan
