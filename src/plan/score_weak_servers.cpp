#include <fmt/format.h>

#include "plan/scorer_util.hpp"

namespace rehome::plan {
namespace {

std::string why_weak(const model::Server& s) {
  std::string w = s.hints.weak ? "weak hardware" : "";
  if (s.hints.reliability == model::Reliability::low) w += std::string(w.empty() ? "" : ", ") + "unreliable";
  if (!s.hints.note.empty()) w += ": " + s.hints.note;
  return w;
}

// Weak or unreliable servers (old CPU, little RAM, recent unplanned reboots) get dev/staging only, and
// dev/staging prefers them, keeping the strong servers for production.
class WeakServers final : public Scorer {
 public:
  std::string_view name() const override { return "weak-servers-staging-only"; }
  double weight() const override { return 4; }
  bool applies(const model::Service& s, const PlacementContext&) const override { return !s.global; }
  double score(const model::Service& s, const model::Server& server, const ServerLoad&,
               const PlacementContext&) const override {
    const bool production = s.tier == model::Tier::production;
    if (is_weak(server)) return production ? 0.0 : 1.0;
    return production ? 1.0 : 0.5;
  }
  std::vector<SoftRuleOutcome> explain(const PlanIndex& placed, const PlacementContext& ctx) const override {
    return explain_each_placement(
        *this, placed, ctx,
        [&](const model::Service& svc, const model::Server& server,
            const ServerLoad&) -> std::optional<Verdict> {
          if (!is_weak(server)) return std::nullopt;
          if (svc.tier == model::Tier::production)
            return Verdict{false, fmt::format("{} (production) runs on {} ({})", svc.name, server.name,
                                              why_weak(server))};
          return Verdict{true, fmt::format("{} ({}) runs on {} ({}): acceptable for {}", svc.name,
                                           model::to_string(svc.tier), server.name, why_weak(server),
                                           model::to_string(svc.tier))};
        });
  }
};

}  // namespace

std::unique_ptr<Scorer> make_weak_servers_scorer() { return std::make_unique<WeakServers>(); }

}  // namespace rehome::plan
