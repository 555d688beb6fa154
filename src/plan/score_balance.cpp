#include <algorithm>

#include <fmt/format.h>

#include "plan/scorer_util.hpp"

namespace rehome::plan {
namespace {

double used_share(model::Bytes used, model::Bytes capacity) {
  return capacity > 0 ? static_cast<double>(used) / static_cast<double>(capacity) : 1.0;
}

// balance: prefer the server left with the largest free share (Swarm's spread, by resources);
// pack: prefer the fullest server that still fits (best fit), so fewer servers are used.
class Balance final : public Scorer {
 public:
  explicit Balance(Strategy strategy) : strategy_(strategy) {}
  std::string_view name() const override { return strategy_ == Strategy::pack ? "pack" : "balance"; }
  // pack dominates the soft rules (a person asking for the fewest servers means it); balance is a
  // tie-breaker.
  double weight() const override { return strategy_ == Strategy::pack ? 20 : 1; }
  bool applies(const model::Service& s, const PlacementContext&) const override { return !s.global; }
  double score(const model::Service& s, const model::Server& server, const ServerLoad& load,
               const PlacementContext& ctx) const override {
    double after = used_share(load.memory + s.resources.memory_reservation, ctx.memory_capacity(server));
    after = std::clamp(after, 0.0, 1.0);
    return strategy_ == Strategy::pack ? after : 1.0 - after;
  }
  std::vector<SoftRuleOutcome> explain(const PlanIndex& placed, const PlacementContext& ctx) const override {
    const auto& loads = placed.loads;
    std::vector<SoftRuleOutcome> out;
    if (strategy_ == Strategy::pack || ctx.estate.servers.size() > 64) return out;  // per-server lines only
    double sum = 0;
    for (size_t i = 0; i < loads.size(); ++i)
      sum += used_share(loads[i].memory, ctx.memory_capacity(ctx.estate.servers[i]));
    const double mean = loads.empty() ? 0 : sum / static_cast<double>(loads.size());
    for (size_t i = 0; i < loads.size(); ++i) {
      const auto& server = ctx.estate.servers[i];
      double share = used_share(loads[i].memory, ctx.memory_capacity(server));
      if (share <= mean + 0.30) continue;
      out.push_back({std::string(name()), "", server.name, false, weight(),
                     fmt::format("{} is {:.0f}% full while the servers average {:.0f}%", server.name,
                                 share * 100, mean * 100)});
    }
    return out;
  }

 private:
  Strategy strategy_;
};

}  // namespace

std::unique_ptr<Scorer> make_balance_scorer(Strategy strategy) { return std::make_unique<Balance>(strategy); }

}  // namespace rehome::plan
