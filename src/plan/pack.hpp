#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "plan/placement_state.hpp"

namespace rehome::plan {

// Pack mode's objective: the fewest servers holding every replica. A bin-packing pipeline for
// (memory, CPU) vectors, with the hard rules (PlacementState::fits) as the only judge of legality:
//   1. a lower bound: the demand of each dimension against the largest free capacities;
//   2. first fit decreasing over the servers biggest first, in several orders of replicas and servers
//      (memory, CPU, largest normalized dimension), keeping the fewest servers; stops at the bound;
//   3. bin elimination: empty the least-filled servers by moving their replicas into the others;
//   4. on small instances, when the bound is not met yet, an exact search (pack_exact.hpp) for fewer servers.
// The soft rules are not asked: the solver uses them afterwards to choose among the servers in use.
struct PackResult {
  std::vector<std::uint32_t> server;  // per replica, in the order given: its server's index
  int servers_used = 0;               // servers holding a replica (what `state` held before included)
  int lower_bound = 0;                // no placement uses fewer servers
};

struct PackOptions {
  long search_budget = 1000000;  // exact search steps tried on small instances (pack_exact.hpp)
};

// `replicas` has one entry per replica to place (a service appears once per replica). `state` holds what
// is already placed (global services) and is left as it was found. nullopt when no pass placed everything.
std::optional<PackResult> pack_fewest_servers(PlacementState& state,
                                              const std::vector<const model::Service*>& replicas,
                                              const PackOptions& options = {});

// The lower bound alone (step 1), for the benchmark's report.
int pack_lower_bound(const PlacementState& state, const std::vector<const model::Service*>& replicas);

}  // namespace rehome::plan
