// Step 16: the report, from the evidence the move recorded (move.json: the downtime per service).
#include <fmt/format.h>

#include "common/shell.hpp"
#include "move/context.hpp"

namespace rehome::move {

std::vector<MoveStep> report_steps(const Context& c) {
  std::string html = c.options.work_dir + "/report.html";
  MoveStep s = make_step("report", "", "write the report",
                         fmt::format("Writes {} (and report.md): the placement, the data moved, the "
                                     "downtime per service, validation and drill.",
                                     html));
  s.actions.push_back(
      {"",
       fmt::format("{} report {} {} --evidence {} --old-server {} -o {} --markdown {}/report.md",
                   c.options.rehome, shell_word(c.options.estate_file), shell_word(c.runbook.plan_file),
                   shell_word(c.evidence_dir()), shell_word(c.old_server.name), shell_word(html),
                   shell_word(c.options.work_dir)),
       false});
  s.checks.push_back({"", "test -s " + shell_word(html), false});
  s.rollback_note = "nothing to undo (a file)";
  return {s};
}

}  // namespace rehome::move
