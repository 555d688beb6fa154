// Step 10: the data proven equal after the final sync, before anything writes to the new side.
#include <fmt/format.h>

#include "move/context.hpp"
#include "move/data_commands.hpp"

namespace rehome::move {

std::vector<MoveStep> verify_steps(const Context& c) {
  std::vector<MoveStep> out;
  for (const auto& d : c.data) {
    MoveStep s = make_step(
        "verify", d.slug(), "verify " + d.slug(),
        fmt::format("Proves {} equal on both sides after the final sync ({}); a difference stops the move "
                    "before any new writer starts.",
                    d.slug(),
                    d.engine == "volume"
                        ? "another pass: both sides' sha256 manifests compared entry by entry"
                    : d.engine == "redis" ? "the final sync's key counts and checksums on both sides"
                    : d.engine == "mariadb"
                        ? "after a binlog cutover its proof stands; after a whole pass every key range is "
                          "counted and hashed inside both servers again"
                        : "after a logical-replication cutover its proof stands; after a whole pass its row "
                          "counts and checksums on both sides again"));
    s.actions.push_back({"", mover_command(c.options, d, "verify"), true});
    s.data = d;
    s.rollback_note = "nothing to undo (read-only)";
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace rehome::move
