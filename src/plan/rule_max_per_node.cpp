#include <fmt/format.h>

#include "plan/feasibility.hpp"

namespace rehome::plan {
namespace {

// placement.max_replicas_per_node (Swarm's max_replicas_per_node).
class MaxPerNodeRule final : public FeasibilityRule {
 public:
  std::string_view name() const override { return "max-replicas-per-node"; }
  bool tells_apart(const model::Server&, const model::Server&,
                   const std::vector<const model::Service*>&) const override {
    return false;  // reads the load only
  }
  std::optional<std::string> check(const model::Service& svc, const model::Server&, const ServerLoad& load,
                                   const PlacementContext& ctx) const override {
    const int max = svc.placement.max_replicas_per_node;
    const int here = max > 0 ? load.count(ctx.id_of(svc)) : 0;
    if (max <= 0 || here < max) return std::nullopt;
    return fmt::format("allows at most {} replica(s) per server, {} already there", max, here);
  }
};

}  // namespace

std::unique_ptr<FeasibilityRule> make_max_per_node_rule() { return std::make_unique<MaxPerNodeRule>(); }

}  // namespace rehome::plan
