#include "plan/scorer_util.hpp"

namespace rehome::plan {
namespace {

// A stack (one Swarm stack: monitoring, mailcow, ...) prefers one server: its services talk to each other
// without declaring it, and a person reads the plan by stack. Weak (weight 1): a tie-breaker, no verdicts.
class StackTogether final : public Scorer {
 public:
  std::string_view name() const override { return "stack-together"; }
  double weight() const override { return 1; }
  bool applies(const model::Service& s, const PlacementContext& ctx) const override {
    return !s.global && !s.stack.empty() && ctx.stack[ctx.id_of(s)].size() > 1;
  }
  double score(const model::Service& s, const model::Server&, const ServerLoad& load,
               const PlacementContext& ctx) const override {
    const ServiceId me = ctx.id_of(s);
    for (ServiceId other : ctx.stack[me])
      if (other != me && load.count(other) > 0) return 1.0;
    return 0.0;
  }
  std::vector<SoftRuleOutcome> explain(const PlanIndex&, const PlacementContext&) const override {
    return {};
  }
};

}  // namespace

std::unique_ptr<Scorer> make_stack_together_scorer() { return std::make_unique<StackTogether>(); }

}  // namespace rehome::plan
