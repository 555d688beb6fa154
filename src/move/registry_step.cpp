// Step 4: built images pushed to the registry, then every server shows it can pull what it runs.
#include "move/context.hpp"
#include "runbook/phases.hpp"

namespace rehome::move {

std::vector<MoveStep> registry_steps(const Context& c) {
  runbook::Context rc{c.estate, c.plan, c.runbook, c.old_server, c.first_manager};
  std::vector<MoveStep> out;
  for (const auto& st : runbook::image_steps(rc)) out.push_back(from_runbook(st, "registry"));
  return out;
}

}  // namespace rehome::move
