#pragma once
// A capacity rule: a service's reservation of one resource must fit in what the server has of it minus
// the headroom. rule_memory.cpp and rule_cpu.cpp each name their resource with a small Resource type:
//   static constexpr std::string_view name;   // the rule's name ("memory")
//   static constexpr std::string_view what;   // after the amount needed ("memory", "CPU reserved")
//   static auto need(const model::Service&);  // the reservation
//   static auto used(const ServerLoad&);      // what is reserved on the server so far
//   static auto capacity(const model::Server&, const PlacementContext&);  // minus the headroom
//   static std::string format(amount);        // "4.0 GB", "1.5"
#include <fmt/format.h>

#include "plan/feasibility.hpp"

namespace rehome::plan {

template <typename Resource>
class CapacityRule final : public FeasibilityRule {
 public:
  std::string_view name() const override { return Resource::name; }
  bool is_capacity() const override { return true; }
  bool tells_apart(const model::Server&, const model::Server&,
                   const std::vector<const model::Service*>&) const override {
    return false;  // reads the load and the room only
  }
  bool allows(const model::Service& svc, const model::Server& server, const ServerLoad& load,
              const PlacementContext& ctx) const override {
    return Resource::used(load) + Resource::need(svc) <= Resource::capacity(server, ctx);
  }
  std::optional<std::string> check(const model::Service& svc, const model::Server& server,
                                   const ServerLoad& load, const PlacementContext& ctx) const override {
    const auto capacity = Resource::capacity(server, ctx);
    const auto need = Resource::need(svc);
    if (Resource::used(load) + need <= capacity) return std::nullopt;
    const auto free = capacity - Resource::used(load);
    return fmt::format("needs {} {}, {} free of {} after {:.0f}% headroom", Resource::format(need),
                       Resource::what, Resource::format(free < 0 ? 0 : free), Resource::format(capacity),
                       ctx.headroom * 100);
  }
};

}  // namespace rehome::plan
