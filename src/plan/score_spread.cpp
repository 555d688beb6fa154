#include <algorithm>

#include <fmt/format.h>

#include "plan/scorer_util.hpp"

namespace rehome::plan {
namespace {

// Replicas of one service on different servers, so one server failing leaves the service up.
class ReplicasSpread final : public Scorer {
 public:
  std::string_view name() const override { return "replicas-spread"; }
  double weight() const override { return 4; }  // above production-on-strongest: HA first
  bool applies(const model::Service& s, const PlacementContext&) const override {
    return !s.global && s.replicas > 1;
  }
  double score(const model::Service& s, const model::Server&, const ServerLoad& load,
               const PlacementContext& ctx) const override {
    return load.count(ctx.id_of(s)) == 0 ? 1.0 : 0.0;
  }
  std::vector<SoftRuleOutcome> explain(const PlanIndex& placed, const PlacementContext& ctx) const override {
    std::vector<SoftRuleOutcome> out;
    for (ServiceId id = 0; id < ctx.estate.services.size(); ++id) {
      const auto& svc = ctx.service(id);
      if (!applies(svc, ctx)) continue;
      const auto& servers = placed.servers_of[id];
      const size_t wanted = std::min<size_t>(static_cast<size_t>(svc.replicas), ctx.estate.servers.size());
      bool met = servers.size() >= wanted;
      std::string reason =
          met ? fmt::format("{} replicas of {} on {} servers", svc.replicas, svc.name, servers.size())
              : fmt::format(
                    "{} replicas of {} on only {} server(s) ({}): one failure takes down more than one",
                    svc.replicas, svc.name, servers.size(), fmt::join(sorted_names(servers, ctx), ", "));
      out.push_back({std::string(name()), svc.name, "", met, weight(), reason});
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Scorer> make_replicas_spread_scorer() { return std::make_unique<ReplicasSpread>(); }

}  // namespace rehome::plan
