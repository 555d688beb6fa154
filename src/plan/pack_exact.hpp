#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "plan/placement_state.hpp"

namespace rehome::plan {

// Pack mode's exact search for small instances: "can k servers hold every replica?", decided for
// k = lower bound, lower bound + 1, ... below the best placement found so far.
//   - Servers: the ones already in use (they cost nothing) plus a choice of k of the others. Servers alike
//     (the same room, and no rule tells them apart: FeasibilityRule::tells_apart) are interchangeable, so
//     a choice is a count per kind; only
//     choices whose memory and CPU both cover the demand are tried, the roomiest first.
//   - Replicas: counted per service, not one by one (a service's replicas are interchangeable).
//   - Bin completion: the chosen servers are filled one at a time, each with a set of replica counts per
//     service. A filled server must be maximal (no remaining replica fits it: moving one there never
//     breaks a rule, so some optimal placement has that shape), and the room it leaves unused in each
//     dimension adds up to at most the k servers' total room minus the demand. Of two empty servers
//     alike in a row, the second is filled within the first's counts (lexically), since swapping their
//     contents changes nothing.
//   - Each choice is searched with two replica orders (by demand-weighted size, and by size against the
//     choice's spare room: the scarcer dimension first), in rounds of step limits growing 4x, so an easy
//     (choice, order) is found early; a search ending within its limit rules its choice out.
// PlacementState::fits judges every replica placed. Deterministic; bounded by `budget` steps over all k.
struct ExactPackResult {
  std::vector<std::uint32_t> server;  // per replica, in the order given
  int servers_used = 0;
};

// `state` holds what is placed already (global services) and is left as it was found.
std::optional<ExactPackResult> pack_exact(PlacementState& state,
                                          const std::vector<const model::Service*>& replicas, int best,
                                          int lower_bound, long budget);

// Any placement at all on every server (k = all of them): the solver's exact search when greedy finds
// no place for a replica on a small estate. nullopt when there is none or `budget` steps did not decide.
std::optional<ExactPackResult> place_exact(PlacementState& state,
                                           const std::vector<const model::Service*>& replicas, long budget);

}  // namespace rehome::plan
