#pragma once
#include <optional>
#include <string>
#include <vector>

#include "plan/feasibility.hpp"
#include "plan/plan.hpp"

namespace rehome::plan {

// The loads of every server plus the rules: "does replica X fit on server Y now?" without the solver.
// The failover simulation starts it from a plan minus the failed servers and re-places their replicas
// incrementally with fits()/add().
class PlacementState {
 public:
  PlacementState(const model::Estate& estate, double headroom);
  // Starts from a plan's assignments (unknown servers/services are skipped; validate with load_plan).
  PlacementState(const model::Estate& estate, double headroom, const Plan& plan);

  const PlacementContext& context() const { return context_; }
  const model::Estate& estate() const { return context_.estate; }
  const FeasibilityRules& rules() const { return rules_; }
  const ServerLoad& load(size_t server) const { return loads_[server]; }
  const std::vector<ServerLoad>& loads() const { return loads_; }

  // nullopt = the replica fits on that server given the current loads; else the first rule's reason.
  std::optional<std::string> why_not(const model::Service& service, size_t server) const;
  bool fits(const model::Service& service, size_t server) const;

  void add(const model::Service& service, size_t server);
  void remove(const model::Service& service, size_t server);
  void clear_server(size_t server);  // a failed server: its load is dropped

  model::Bytes free_memory(size_t server) const;  // after headroom; negative when over
  model::MilliCpu free_cpu(size_t server) const;

 private:
  PlacementContext context_;
  FeasibilityRules rules_;
  std::vector<ServerLoad> loads_;
};

}  // namespace rehome::plan
