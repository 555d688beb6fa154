#include <map>
#include <set>

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
  std::vector<SoftRuleOutcome> explain(const Plan& plan, const std::vector<ServerLoad>&,
                                       const PlacementContext& ctx) const override {
    std::map<std::string, std::set<std::string>> where;
    for (const auto& a : plan.assignments) where[a.service].insert(a.server);
    std::vector<SoftRuleOutcome> out;
    for (const auto& svc : ctx.estate.services) {  // each declared dependency once, from the dependent side
      std::vector<std::string> partners = svc.depends_on;
      partners.insert(partners.end(), svc.placement.affinity.begin(), svc.placement.affinity.end());
      for (const auto& p : partners) {
        auto other = ctx.services_by_name.find(p);
        if (svc.global || other == ctx.services_by_name.end() || other->second->global) continue;
        if (svc.data && svc.data->replica_of == p) continue;  // a replica lives apart from its primary
        const auto& mine = where[svc.name];
        const auto& theirs = where[p];
        std::string shared;
        for (const auto& s : mine)
          if (theirs.count(s)) shared = s;
        bool met = !shared.empty();
        std::string reason = met ? fmt::format("{} and {} share {}", svc.name, p, shared)
                                 : fmt::format("{} ({}) calls {} ({}) across servers: ~1-5 ms more per call",
                                               svc.name, fmt::join(mine, ","), p, fmt::join(theirs, ","));
        out.push_back(
            {std::string(name()), svc.name, mine.empty() ? "" : *mine.begin(), met, weight(), reason});
      }
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Scorer> make_partners_together_scorer() { return std::make_unique<PartnersTogether>(); }

}  // namespace rehome::plan
