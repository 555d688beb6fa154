#include <fmt/format.h>

#include "plan/feasibility.hpp"

namespace rehome::plan {
namespace {

// Memory reservations must fit in the server's memory minus the headroom.
class MemoryRule final : public FeasibilityRule {
 public:
  std::string_view name() const override { return "memory"; }
  bool is_capacity() const override { return true; }
  bool tells_apart(const model::Server&, const model::Server&,
                   const std::vector<const model::Service*>&) const override {
    return false;  // reads the load and the room only
  }
  bool allows(const model::Service& svc, const model::Server& server, const ServerLoad& load,
              const PlacementContext& ctx) const override {
    return load.memory + svc.resources.memory_reservation <= ctx.memory_capacity(server);
  }
  std::optional<std::string> check(const model::Service& svc, const model::Server& server,
                                   const ServerLoad& load, const PlacementContext& ctx) const override {
    const model::Bytes capacity = ctx.memory_capacity(server);
    const model::Bytes need = svc.resources.memory_reservation;
    if (load.memory + need <= capacity) return std::nullopt;
    const model::Bytes free = capacity - load.memory;
    return fmt::format("needs {} memory, {} free of {} after {:.0f}% headroom", model::format_bytes(need),
                       model::format_bytes(free < 0 ? 0 : free), model::format_bytes(capacity),
                       ctx.headroom * 100);
  }
};

}  // namespace

std::unique_ptr<FeasibilityRule> make_memory_rule() { return std::make_unique<MemoryRule>(); }

}  // namespace rehome::plan
