// Step 14: the moved estate probed; the results are evidence for the report.
#include <fmt/format.h>

#include "common/shell.hpp"
#include "move/context.hpp"

namespace rehome::move {

std::vector<MoveStep> validate_steps(const Context& c) {
  MoveStep s = make_step("validate", "", "validate the new estate",
                         "Probes the moved estate (databases, services, monitoring, network, security) and "
                         "keeps the results as evidence for the report.");
  s.actions.push_back({"",
                       fmt::format("{} validate {} --evidence {}", c.options.rehome,
                                   shell_word(c.options.estate_file), shell_word(c.evidence_dir())),
                       false});
  s.checks.push_back({"", fmt::format("test -s {}/validation.json", shell_word(c.evidence_dir())), false});
  s.rollback_note = "nothing to undo (read-only)";
  return {s};
}

}  // namespace rehome::move
