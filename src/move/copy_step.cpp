// Step 7: every piece of data copied while the old host still serves (postgres, redis, mariadb
// databases and named volumes), each by its mover in process; the equivalent command is printed.
#include <fmt/format.h>

#include "move/context.hpp"
#include "move/data_commands.hpp"

namespace rehome::move {

std::vector<MoveStep> copy_steps(const Context& c) {
  std::vector<MoveStep> out;
  for (const auto& d : c.data) {
    MoveStep s = make_step("copy", d.slug(), "copy " + d.slug(),
                           fmt::format("Copies {} ({}) to {} while the old host still serves, proven by the "
                                       "mover's checksums on both sides; resumable.",
                                       d.slug(), d.engine, d.to_server));
    s.actions.push_back({"", mover_command(c.options, d, "copy"), true});
    s.data = d;
    s.rollback_note = "nothing to undo on the old side (read-only); the new copy is replaced by the next run";
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace rehome::move
