#pragma once
#include <filesystem>
#include <optional>
#include <string>

#include "model/estate.hpp"
#include "plan/plan.hpp"

namespace rehome::plan {

// plan.yaml / proposal.yaml, by server; a service appears once per replica on that server; global
// services may be omitted (they are then put on every server):
//   estate: wizardsofts
//   headroom: 10%
//   servers:
//     hppavilion: [gitlab, gitlab-runner, gibd-postgres]
//     gmktec: [traefik, ws-gateway, ws-gateway]
//   roles:                                   # optional (older plan files have none)
//     managers: [gmktec, hppavilion, wsasus] # Swarm managers, join order: the first runs swarm init
//     edge: [gmktec]                         # servers that take the public traffic (80/443)
// Roles written are kept as written; a plan without `roles:` (or a list left out) gets them decided by
// plan::decide_roles, exactly as a new plan does. Throws UserError naming file:line for syntax errors,
// unknown servers or services, and replica counts that differ from the estate's. The returned plan carries
// no soft-rule outcomes (see annotate).
Plan load_plan(const std::filesystem::path& path, const model::Estate& estate);
Plan parse_plan(const std::string& yaml, const std::string& filename, const model::Estate& estate);

// A share as people write it: "10%", "10" (>= 1 means percent), "0.1" -> 0.10. nullopt when malformed or
// outside 0..90 %. Used for headroom in plan.yaml and by --headroom.
std::optional<double> parse_share(std::string text);

std::string plan_to_yaml(const Plan& plan, const model::Estate& estate);
// Written through a temporary file and renamed.
void save_plan(const std::filesystem::path& path, const Plan& plan, const model::Estate& estate);

}  // namespace rehome::plan
