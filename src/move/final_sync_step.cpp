// Step 9: the final sync under the freeze: each mover's catch-up pass (final_sync.hpp names the seam of
// each engine: a volume's incremental pass, a postgres or mariadb follow's cutover, else a whole pass).
#include <fmt/format.h>

#include "move/context.hpp"
#include "move/data_commands.hpp"
#include "move/final_sync.hpp"

namespace rehome::move {

std::vector<MoveStep> final_sync_steps(const Context& c) {
  std::vector<MoveStep> out;
  for (const auto& d : c.data) {
    MoveStep s =
        make_step("final-sync", d.slug(), "final sync " + d.slug(),
                  fmt::format("With its writers stopped, brings {} on {} level with the old side: {}.",
                              d.slug(), d.to_server, final_sync_method(c.options, d)));
    s.actions.push_back({"", mover_command(c.options, d, "final-sync"), true});
    s.data = d;
    s.rollback_note = "nothing to undo on the old side (read-only): the old writers start again on rollback";
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace rehome::move
