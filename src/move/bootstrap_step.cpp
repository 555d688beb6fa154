// Step 3: the Swarm (init and joins), node labels, overlay networks and secrets: the runbook's
// phase 2 (bootstrap.sh one part at a time), without its registry steps (registry_step.cpp).
#include "move/context.hpp"
#include "runbook/phases.hpp"

namespace rehome::move {

std::vector<MoveStep> bootstrap_steps(const Context& c) {
  runbook::Context rc{c.estate, c.plan, c.runbook, c.old_server, c.first_manager};
  std::vector<MoveStep> out;
  for (const auto& st : runbook::swarm_bootstrap(rc))
    if (st.id.rfind("2.images", 0) != 0) out.push_back(from_runbook(st, "bootstrap"));
  return out;
}

}  // namespace rehome::move
