#include <fmt/format.h>

#include "plan/scorer_util.hpp"

namespace rehome::plan {
namespace {

// Databases, caches and other stateful production services go where memory is largest: they use
// spare RAM as page cache, and the big box is usually the one with the big disks too.
class DatabasesOnMemory final : public Scorer {
 public:
  std::string_view name() const override { return "databases-on-memory"; }
  double weight() const override { return 3; }
  bool applies(const model::Service& s, const PlacementContext&) const override {
    using C = model::Category;
    if (s.global || s.tier != model::Tier::production || (s.data && s.data->replica_of)) return false;
    return s.category == C::database || s.category == C::cache || s.category == C::storage;
  }
  double score(const model::Service&, const model::Server& server, const ServerLoad&,
               const PlacementContext& ctx) const override {
    return ctx.max_server_memory > 0 ? static_cast<double>(server.memory) / ctx.max_server_memory : 1;
  }
  std::vector<SoftRuleOutcome> explain(const PlanIndex& placed, const PlacementContext& ctx) const override {
    const model::Server* biggest = nullptr;
    for (const auto& s : ctx.estate.servers)
      if (!biggest || s.memory > biggest->memory) biggest = &s;
    return explain_each_placement(
        *this, placed, ctx, [&](const model::Service& svc, const model::Server& server, const ServerLoad&) {
          // Within 10 % of the largest counts as "where memory is largest".
          bool met = server.memory * 10 >= biggest->memory * 9;
          return Verdict{
              met, met ? fmt::format("{} runs on {} ({} memory)", svc.name, server.name, gb(server.memory))
                       : fmt::format("{} runs on {} ({}), not where memory "
                                     "is largest ({}, {})",
                                     svc.name, server.name, gb(server.memory), biggest->name,
                                     gb(biggest->memory))};
        });
  }
};

}  // namespace

std::unique_ptr<Scorer> make_databases_on_memory_scorer() { return std::make_unique<DatabasesOnMemory>(); }

}  // namespace rehome::plan
