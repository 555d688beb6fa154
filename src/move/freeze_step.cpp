// Step 8: the write freeze. Each old service that writes to moved data is stopped on the old engine
// (its compose containers, `docker stop`), so the final sync copies a source that no longer changes.
// The freeze window of a service starts here and ends when its new instance runs (writers_step.cpp).
#include <fmt/format.h>

#include "move/context.hpp"

namespace rehome::move {

std::vector<MoveStep> freeze_steps(const Context& c) {
  std::vector<MoveStep> out;
  for (const auto& w : c.writers) {
    MoveStep s = make_step("freeze", w, "stop old " + w,
                           fmt::format("Stops {}'s containers on {} (its writes stop here: the write freeze "
                                       "of {} starts, measured until its new instance runs).",
                                       w, c.old_server.name, w));
    s.actions.push_back(stop_old(c, w));
    s.checks.push_back(none_running_old(c, w));
    s.rollback.push_back(start_old(c, w));
    s.freezes = {w};
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace rehome::move
