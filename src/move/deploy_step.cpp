// Step 5: every generated stack deployed, monitoring first (it watches the rest of the move), then the
// databases, then the rest; every service that writes or takes traffic is held at 0 replicas (an
// override file merged by `docker stack deploy`) until the cutover starts it (writers_step.cpp), so
// nothing writes to a new database before its data is final.
#include <fmt/format.h>

#include "move/context.hpp"
#include "runbook/order.hpp"
#include "runbook/shell.hpp"

namespace rehome::move {

std::string hold_file(const Context& c, const std::string& stack) {
  return fmt::format("{}/holds/{}.yml", c.generated(), stack);
}

std::vector<MoveStep> deploy_steps(const Context& c) {
  std::vector<std::string> order;
  std::set<std::string> seen;
  for (int phase : {4, 3, 5})
    for (const auto& st : runbook::stacks_in_order(c.estate, phase).order)
      if (seen.insert(st).second) order.push_back(st);
  std::vector<MoveStep> out;
  for (const auto& stack : order) {
    auto services = runbook::services_in_order(c.estate, stack);
    MoveStep s = make_step("deploy", stack, "deploy stack " + stack,
                           fmt::format("Deploys the generated stack '{}' ({}) and waits until it converged.",
                                       stack, runbook::join(services, ", ")));
    std::string file = fmt::format("{}/stacks/{}.yml", c.generated(), stack);
    std::string files = "--compose-file " + file;
    auto held = c.held.find(stack);
    if (held != c.held.end() && !held->second.empty()) {
      std::vector<std::string> lines{"version: \"3.8\"", "services:"};
      for (const auto& h : held->second)
        lines.insert(lines.end(), {"  " + h + ":", "    deploy:", "      replicas: 0"});
      std::vector<std::string> quoted;
      for (const auto& l : lines) quoted.push_back(shell_quote(l));
      s.actions.push_back({c.first_manager.name,
                           fmt::format("mkdir -p {}/holds && printf '%s\\n' {} > {}", c.generated(),
                                       runbook::join(quoted, " "), hold_file(c, stack)),
                           false});
      files += " --compose-file " + hold_file(c, stack);
      s.what += fmt::format(" {} wait at 0 replicas until the cutover.", runbook::join(held->second, ", "));
    }
    s.actions.push_back(
        {c.first_manager.name,
         runbook::swarm_retry(fmt::format("docker stack deploy --with-registry-auth {} {}", files, stack),
                              c.options.converge_timeout_seconds),
         false});
    s.checks.push_back(
        {c.first_manager.name, runbook::stack_converged(stack, c.options.converge_timeout_seconds), false});
    s.rollback.push_back({c.first_manager.name, "docker stack rm " + stack, false});
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace rehome::move
