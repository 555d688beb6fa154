#include "model/units.hpp"
#include "plan/rule_capacity.hpp"

namespace rehome::plan {
namespace {

// Memory reservations must fit in the server's memory minus the headroom.
struct Memory {
  static constexpr std::string_view name = "memory";
  static constexpr std::string_view what = "memory";
  static model::Bytes need(const model::Service& svc) { return svc.resources.memory_reservation; }
  static model::Bytes used(const ServerLoad& load) { return load.memory; }
  static model::Bytes capacity(const model::Server& server, const PlacementContext& ctx) {
    return ctx.memory_capacity(server);
  }
  static std::string format(model::Bytes b) { return model::format_bytes(b); }
};

}  // namespace

std::unique_ptr<FeasibilityRule> make_memory_rule() { return std::make_unique<CapacityRule<Memory>>(); }

}  // namespace rehome::plan
