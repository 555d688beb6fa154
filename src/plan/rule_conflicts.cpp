#include <fmt/format.h>

#include "plan/feasibility.hpp"

namespace rehome::plan {
namespace {

// Services that must never share a server: anti-affinity, a replica and its primary (a replica beside
// its primary protects nothing), and services publishing the same host-mode port.
class ConflictRule final : public FeasibilityRule {
 public:
  std::string_view name() const override { return "anti-affinity"; }
  bool tells_apart(const model::Server&, const model::Server&,
                   const std::vector<const model::Service*>&) const override {
    return false;  // reads the load only
  }
  std::optional<std::string> check(const model::Service& svc, const model::Server&, const ServerLoad& load,
                                   const PlacementContext& ctx) const override {
    for (ServiceId other : ctx.conflicts[ctx.id_of(svc)])
      if (load.count(other) > 0)
        return fmt::format("must not share a server with {}, which is there", ctx.service(other).name);
    return std::nullopt;
  }
  bool allows(const model::Service& svc, const model::Server&, const ServerLoad& load,
              const PlacementContext& ctx) const override {
    for (ServiceId other : ctx.conflicts[ctx.id_of(svc)])
      if (load.count(other) > 0) return false;
    return true;
  }
};

}  // namespace

std::unique_ptr<FeasibilityRule> make_conflict_rule() { return std::make_unique<ConflictRule>(); }

}  // namespace rehome::plan
