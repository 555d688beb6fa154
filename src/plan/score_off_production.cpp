#include <fmt/format.h>

#include "plan/scorer_util.hpp"

namespace rehome::plan {
namespace {

// Keeps a kind of workload (monitoring; spiky CI) off the servers that carry production services, in
// both directions: when the production server struggles, its monitoring must not struggle with it, and a
// CI build must not steal the CPU production needs. One class, two rules (see the factories below).
class OffProduction final : public Scorer {
 public:
  using Kind = bool (*)(const model::Service&);
  using Count = int ServerLoad::*;
  OffProduction(std::string_view name, Kind kind, Count count, std::string_view what)
      : name_(name), kind_(kind), count_(count), what_(what) {}

  std::string_view name() const override { return name_; }
  double weight() const override { return 3; }
  bool applies(const model::Service& s, const PlacementContext&) const override {
    return kind_(s) || is_production_workload(s);
  }
  double score(const model::Service& s, const model::Server&, const ServerLoad& load,
               const PlacementContext&) const override {
    if (kind_(s)) return load.production == 0 ? 1.0 : 0.0;
    return load.*count_ == 0 ? 1.0 : 0.0;  // a production service avoids servers that have the kind
  }
  std::vector<SoftRuleOutcome> explain(const Plan& plan, const std::vector<ServerLoad>& loads,
                                       const PlacementContext& ctx) const override {
    return explain_each_placement(
        *this, plan, loads, ctx,
        [&](const model::Service& svc, const model::Server& server,
            const ServerLoad& load) -> std::optional<Verdict> {
          if (!kind_(svc)) return std::nullopt;  // verdicts are about the kind, not every production service
          if (load.production == 0)
            return Verdict{true, fmt::format("{} ({}) is on {}, which runs no production services", svc.name,
                                             what_, server.name)};
          return Verdict{false, fmt::format("{} ({}) shares {} with {} production replica(s)", svc.name,
                                            what_, server.name, load.production)};
        });
  }

 private:
  std::string_view name_;
  Kind kind_;
  Count count_;
  std::string_view what_;
};

}  // namespace

std::unique_ptr<Scorer> make_monitoring_off_production_scorer() {
  return std::make_unique<OffProduction>("monitoring-off-production", &is_monitoring, &ServerLoad::monitoring,
                                         "monitoring");
}

std::unique_ptr<Scorer> make_ci_off_production_scorer() {
  return std::make_unique<OffProduction>("ci-off-production", &is_spiky, &ServerLoad::spiky,
                                         "spiky CI/batch");
}

}  // namespace rehome::plan
