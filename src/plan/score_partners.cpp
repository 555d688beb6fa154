#include <algorithm>

#include <fmt/format.h>

#include "plan/scorer_util.hpp"

namespace rehome::plan {
namespace {

// Chatty or dependent pairs (depends_on, affinity) on one server: every cross-server call pays 1-5 ms
// of LAN plus the overlay's encryption.
class PartnersTogether final : public Scorer {
 public:
  std::string_view name() const override { return "partners-together"; }
  double weight() const override { return 2; }
  bool applies(const model::Service& s, const PlacementContext& ctx) const override {
    return !s.global && !ctx.partners[ctx.id_of(s)].empty();
  }
  double score(const model::Service& s, const model::Server&, const ServerLoad& load,
               const PlacementContext& ctx) const override {
    const auto& partners = ctx.partners[ctx.id_of(s)];
    if (partners.empty()) return 1.0;  // not applicable
    int here = 0;
    for (ServiceId p : partners) here += load.count(p) > 0;
    return static_cast<double>(here) / static_cast<double>(partners.size());
  }
  std::vector<SoftRuleOutcome> explain(const PlanIndex& placed, const PlacementContext& ctx) const override {
    std::vector<SoftRuleOutcome> out;
    for (ServiceId id = 0; id < ctx.estate.services.size(); ++id) {  // each declared dependency once,
      const auto& svc = ctx.service(id);                             // from the dependent side
      std::vector<std::string> partners = svc.depends_on;
      partners.insert(partners.end(), svc.placement.affinity.begin(), svc.placement.affinity.end());
      for (const auto& p : partners) {
        auto other = ctx.service_id(p);
        if (svc.global || !other || ctx.service(*other).global) continue;
        if (svc.data && svc.data->replica_of == p) continue;  // a replica lives apart from its primary
        const auto& mine = placed.servers_of[id];
        const auto& theirs = placed.servers_of[*other];
        // The shared server named is the lexically last; the outcome's server the lexically first.
        std::vector<std::uint32_t> sorted;  // many servers: searched by bisection
        if (theirs.size() > 16) sorted = theirs, std::sort(sorted.begin(), sorted.end());
        auto also_theirs = [&](std::uint32_t s) {
          return sorted.empty() ? std::find(theirs.begin(), theirs.end(), s) != theirs.end()
                                : std::binary_search(sorted.begin(), sorted.end(), s);
        };
        const std::string* shared = nullptr;
        const std::string* first = nullptr;
        for (auto s : mine) {
          const auto& name = ctx.estate.servers[s].name;
          if (!first || name < *first) first = &name;
          if (also_theirs(s) && (!shared || name > *shared)) shared = &name;
        }
        std::string reason = shared
                                 ? fmt::format("{} and {} share {}", svc.name, p, *shared)
                                 : fmt::format("{} ({}) calls {} ({}) across servers: ~1-5 ms more per call",
                                               svc.name, fmt::join(sorted_names(mine, ctx), ","), p,
                                               fmt::join(sorted_names(theirs, ctx), ","));
        out.push_back(
            {std::string(name()), svc.name, first ? *first : "", shared != nullptr, weight(), reason});
      }
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Scorer> make_partners_together_scorer() { return std::make_unique<PartnersTogether>(); }

}  // namespace rehome::plan
