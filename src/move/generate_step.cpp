// Step 2: the stacks, bootstrap, firewall and monitoring files, from the estate and the plan.
#include "move/context.hpp"
#include "runbook/phases.hpp"

namespace rehome::move {

std::vector<MoveStep> generate_steps(const Context& c) {
  runbook::Context rc{c.estate, c.plan, c.runbook, c.old_server, c.first_manager};
  for (const auto& st : runbook::prechecks(rc))
    if (st.id == "0.generate") return {from_runbook(st, "generate")};
  return {};
}

}  // namespace rehome::move
