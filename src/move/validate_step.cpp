// Step 14: the moved estate probed; the results are evidence for the report.
#include <fmt/format.h>

#include "common/shell.hpp"
#include "move/context.hpp"

namespace rehome::move {

std::vector<MoveStep> validate_steps(const Context& c) {
  MoveStep s = make_step("validate", "", "validate the new estate",
                         "Probes the moved estate (databases, services, monitoring, network, security) and "
                         "keeps the results as evidence for the report.");
  // Targets discovered from the cluster the move deployed (its stacks' tasks, health checks, published
  // ports, the databases in the evidence): without --engine nor a targets file, validate probes only
  // this machine and says INCOMPLETE, which failed the step on every move.
  auto engine = c.options.engines.find(c.first_manager.name);
  std::string credentials =
      c.options.credentials_file.empty() ? "" : " --credentials " + shell_word(c.options.credentials_file);
  s.actions.push_back(
      {"",
       fmt::format(
           "{} validate {} --engine {} --address {}{} --evidence {}", c.options.rehome,
           shell_word(c.options.estate_file),
           shell_word(engine == c.options.engines.end() ? "unix:///var/run/docker.sock" : engine->second),
           shell_word(c.first_manager.address), credentials, shell_word(c.evidence_dir())),
       false});
  s.checks.push_back({"", fmt::format("test -s {}/validation.json", shell_word(c.evidence_dir())), false});
  s.rollback_note = "nothing to undo (read-only)";
  return {s};
}

}  // namespace rehome::move
