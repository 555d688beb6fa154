// Step 13: the new writers start: each stack holding services at 0 is deployed again without its hold
// file, so every service runs with its planned replicas. The first of these steps is the point of no
// return: from then on the new databases take writes the old ones do not have.
#include <algorithm>

#include <fmt/format.h>

#include "move/context.hpp"
#include "runbook/order.hpp"
#include "runbook/shell.hpp"

namespace rehome::move {

std::vector<MoveStep> writers_steps(const Context& c) {
  std::vector<MoveStep> out;
  std::vector<std::string> order;
  std::set<std::string> seen;
  for (int phase : {3, 4, 5})
    for (const auto& st : runbook::stacks_in_order(c.estate, phase).order)
      if (c.held.count(st) && seen.insert(st).second) order.push_back(st);
  for (const auto& stack : order) {
    const auto& held = c.held.at(stack);
    MoveStep s = make_step("writers", stack, "start " + stack,
                           fmt::format("Starts {} with their planned replicas and waits until the stack "
                                       "converged.",
                                       runbook::join(held, ", ")));
    std::string file = fmt::format("{}/stacks/{}.yml", c.generated(), stack);
    s.actions.push_back(
        {c.first_manager.name,
         runbook::swarm_retry(
             fmt::format("docker stack deploy --with-registry-auth --compose-file {} {}", file, stack),
             c.options.converge_timeout_seconds),
         false});
    s.checks.push_back(
        {c.first_manager.name, runbook::stack_converged(stack, c.options.converge_timeout_seconds), false});
    s.rollback.push_back(
        {c.first_manager.name,
         fmt::format(
             "docker stack deploy --with-registry-auth --compose-file {} --compose-file {}/holds/{}.yml {}",
             file, c.generated(), stack, stack),
         false});
    for (const auto& h : held)
      if (std::find(c.writers.begin(), c.writers.end(), h) != c.writers.end()) s.thaws.push_back(h);
    out.push_back(std::move(s));
  }
  if (!out.empty()) out.front().point_of_no_return = true;
  return out;
}

}  // namespace rehome::move
