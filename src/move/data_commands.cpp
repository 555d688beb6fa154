#include "move/data_commands.hpp"

#include <fmt/format.h>

#include "common/shell.hpp"
#include "move/final_sync.hpp"

namespace rehome::move {

std::string mover_state_file(const MoveOptions& o, const DataItem& d, const std::string& pass) {
  // The final sync of a database starts its own pass (a fresh state); a volume's passes share one
  // state, which is what makes the next pass incremental.
  std::string p = d.engine == "volume" ? "copy" : pass;
  return fmt::format("{}/state/{}.{}.json", o.work_dir, d.slug(), p);
}

std::string mover_command(const MoveOptions& o, const DataItem& d, const std::string& pass) {
  std::string state = shell_word(mover_state_file(o, d, pass));
  if (d.engine == "volume")
    return fmt::format("{} migrate volume {} --state {}", o.rehome, runbook::volume_mover_words(d), state);
  std::string extra;
  // A postgres item that follows (or may: decided at the copy): the copy starts the follow, the final
  // sync is its cutover (no state file: the follow is found by name on both servers).
  const bool follow = d.engine == "postgres" && postgres_sync(o, d) != PgSync::whole_pass;
  if (follow && pass == "copy") extra = " --follow";
  if (follow && pass == "final-sync")
    return fmt::format("{} migrate postgres --from \"{}\" --to \"{}\" --jobs {} --cutover", o.rehome,
                       d.from_url, d.to_url, o.jobs);
  if (follow && pass == "stop-follow")
    return fmt::format("{} migrate postgres --from \"{}\" --to \"{}\" --stop-follow", o.rehome, d.from_url,
                       d.to_url);
  if (pass == "final-sync") extra = " --truncate";  // the whole database again, under the freeze
  if (pass == "verify" && d.engine == "mariadb") extra = " --verify-only";
  return fmt::format("{} migrate {} --from \"{}\" --to \"{}\"{}{} --state {}", o.rehome, d.engine, d.from_url,
                     d.to_url, runbook::copy_flags(d, {.jobs = o.jobs}), extra, state);
}

}  // namespace rehome::move
