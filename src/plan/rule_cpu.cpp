#include "model/units.hpp"
#include "plan/rule_capacity.hpp"

namespace rehome::plan {
namespace {

// CPU reservations must fit in the server's threads minus the headroom.
struct Cpu {
  static constexpr std::string_view name = "cpu";
  static constexpr std::string_view what = "CPU reserved";
  static model::MilliCpu need(const model::Service& svc) { return svc.resources.cpu_reservation; }
  static model::MilliCpu used(const ServerLoad& load) { return load.cpu; }
  static model::MilliCpu capacity(const model::Server& server, const PlacementContext& ctx) {
    return ctx.cpu_capacity(server);
  }
  static std::string format(model::MilliCpu c) { return model::format_cpu(c); }
};

}  // namespace

std::unique_ptr<FeasibilityRule> make_cpu_rule() { return std::make_unique<CapacityRule<Cpu>>(); }

}  // namespace rehome::plan
