// Step 15: the resilience drill: one server's engine stopped, the recovery measured beside the
// prediction; its result is evidence for the report.
#include <fmt/format.h>

#include "common/shell.hpp"
#include "move/context.hpp"
#include "runbook/order.hpp"
#include "runbook/shell.hpp"

namespace rehome::move {

std::vector<MoveStep> drill_steps(const Context& c) {
  if (!c.options.drill || c.estate.servers.size() < 2) return {};
  // The server failed: the last one that is not the first manager (a worker, where there is one).
  std::string fail;
  for (const auto& s : c.estate.servers)
    if (s.name != c.first_manager.name) fail = s.name;
  MoveStep s = make_step("drill", "", "resilience drill",
                         fmt::format("Stops the engine of {} and measures how long the services take to run "
                                     "again elsewhere, beside the predicted recovery.",
                                     fail));
  std::vector<std::string> engines;
  for (const auto& server : c.estate.servers) {
    auto it = c.options.engines.find(server.name);
    engines.push_back("--engine " + shell_word(server.name + "=" +
                                               (it == c.options.engines.end() ? "unix:///var/run/docker.sock"
                                                                              : it->second)));
  }
  // On what the move deployed: the stack of the first moved database (a stateful service in the drill).
  std::string stack;
  for (const auto& d : c.data)
    if (d.engine != "volume") {
      stack = " --stack " + shell_word(runbook::stack_of(*c.estate.find_service(d.service)));
      break;
    }
  s.actions.push_back(
      {"",
       fmt::format("{} drill {} {}{} --fail {} --stop-command {}{} --json > {}/drill.json", c.options.rehome,
                   shell_word(c.options.estate_file), runbook::join(engines, " "), stack, shell_word(fail),
                   shell_quote(c.options.drill_stop_command),
                   c.options.drill_flags.empty() ? "" : " " + c.options.drill_flags,
                   shell_word(c.evidence_dir())),
       false});
  s.checks.push_back({"", fmt::format("test -s {}/drill.json", shell_word(c.evidence_dir())), false});
  s.rollback_note = "nothing to undo (the drill starts the stopped engine again)";
  return {s};
}

}  // namespace rehome::move
