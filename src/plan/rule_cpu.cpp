#include <fmt/format.h>

#include "plan/feasibility.hpp"

namespace rehome::plan {
namespace {

// CPU reservations must fit in the server's threads minus the headroom.
class CpuRule final : public FeasibilityRule {
 public:
  std::string_view name() const override { return "cpu"; }
  bool is_capacity() const override { return true; }
  bool tells_apart(const model::Server&, const model::Server&,
                   const std::vector<const model::Service*>&) const override {
    return false;  // reads the load and the room only
  }
  bool allows(const model::Service& svc, const model::Server& server, const ServerLoad& load,
              const PlacementContext& ctx) const override {
    return load.cpu + svc.resources.cpu_reservation <= ctx.cpu_capacity(server);
  }
  std::optional<std::string> check(const model::Service& svc, const model::Server& server,
                                   const ServerLoad& load, const PlacementContext& ctx) const override {
    const model::MilliCpu capacity = ctx.cpu_capacity(server);
    const model::MilliCpu need = svc.resources.cpu_reservation;
    if (load.cpu + need <= capacity) return std::nullopt;
    const model::MilliCpu free = capacity - load.cpu;
    return fmt::format("needs {} CPU reserved, {} free of {} after {:.0f}% headroom", model::format_cpu(need),
                       model::format_cpu(free < 0 ? 0 : free), model::format_cpu(capacity),
                       ctx.headroom * 100);
  }
};

}  // namespace

std::unique_ptr<FeasibilityRule> make_cpu_rule() { return std::make_unique<CpuRule>(); }

}  // namespace rehome::plan
