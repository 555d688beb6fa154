// Step 1: the plan every later step reads, saved where a person can review it.
#include <fmt/format.h>

#include "common/shell.hpp"
#include "move/context.hpp"

namespace rehome::move {

std::vector<MoveStep> plan_steps(const Context& c) {
  const std::string& file = c.runbook.plan_file;
  MoveStep s =
      make_step("plan", "", "plan the placement",
                fmt::format("Places every replica of the {} services on the {} servers (hard rules, "
                            "scored soft rules) and saves the plan to {}; every later step reads it.",
                            c.estate.services.size(), c.estate.servers.size(), file));
  if (c.options.plan_file.empty()) {
    s.actions.push_back({"",
                         fmt::format("{} plan {} -o {}", c.options.rehome, shell_word(c.options.estate_file),
                                     shell_word(file)),
                         false});
    s.rollback.push_back({"", "rm -f " + shell_word(file), false});
  } else {
    s.what = fmt::format("Uses the reviewed plan {}.", file);
    s.rollback_note = "nothing to undo (the plan was given)";
  }
  s.checks.push_back({"", "test -s " + shell_word(file), false});
  return {s};
}

}  // namespace rehome::move
