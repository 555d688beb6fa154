#include <algorithm>

#include <fmt/format.h>

#include "plan/feasibility.hpp"

namespace rehome::plan {
namespace {

// placement.pin: the service may only run on the named servers (node.hostname == ...).
class PinRule final : public FeasibilityRule {
 public:
  std::string_view name() const override { return "pin"; }
  // Any pinned service tells every two servers apart (by name).
  bool tells_apart(const model::Server& a, const model::Server& b,
                   const std::vector<const model::Service*>& services) const override {
    return a.name != b.name && std::any_of(services.begin(), services.end(),
                                           [](const model::Service* s) { return !s->placement.pin.empty(); });
  }
  bool confines(const model::Service& svc) const override { return !svc.placement.pin.empty(); }
  bool eligible(const model::Service& svc, const model::Server& server,
                const PlacementContext&) const override {
    const auto& pins = svc.placement.pin;
    return pins.empty() || std::find(pins.begin(), pins.end(), server.name) != pins.end();
  }
  std::optional<std::string> check(const model::Service& svc, const model::Server& server, const ServerLoad&,
                                   const PlacementContext& ctx) const override {
    if (eligible(svc, server, ctx)) return std::nullopt;
    return fmt::format("is pinned to {}", fmt::join(svc.placement.pin, ", "));
  }
};

}  // namespace

std::unique_ptr<FeasibilityRule> make_pin_rule() { return std::make_unique<PinRule>(); }

}  // namespace rehome::plan
