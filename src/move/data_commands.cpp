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
  // A postgres or redis verify re-proves the final sync's whole pass from its state (after a
  // follow's cutover nothing runs: the cutover's proof stands, see final_sync.cpp's verify_pass).
  const bool reproves_final_sync = pass == "verify" && (d.engine == "postgres" || d.engine == "redis");
  std::string state = shell_word(mover_state_file(o, d, reproves_final_sync ? "final-sync" : pass));
  if (d.engine == "volume")
    return fmt::format("{} migrate volume {} --state {}", o.rehome, runbook::volume_mover_words(d), state);
  // The mover's password in PGPASSWORD / REDISCLI_AUTH / MYSQL_PWD, not its argv (the rollback's
  // --stop-follow runs in a shell).
  const auto argv = runbook::mover_argv(d, o.rehome);
  std::string extra;
  // A postgres item that follows (or may: decided at the copy): the copy starts the follow, the final
  // sync is its cutover (no state file: the follow is found by name on both servers).
  const bool follow = d.engine == "postgres" && postgres_sync(o, d) != PgSync::whole_pass;
  if (follow && pass == "copy") extra = " --follow";
  if (follow && pass == "final-sync")
    return fmt::format("{} migrate postgres --from \"{}\" --to \"{}\" --jobs {} --cutover", argv.rehome,
                       argv.from, argv.to, o.jobs);
  if (follow && pass == "stop-follow")
    return fmt::format("{} migrate postgres --from \"{}\" --to \"{}\" --stop-follow", argv.rehome, argv.from,
                       argv.to);
  // A mariadb item that follows (or may: decided at the copy): the copy records the binlog follow and
  // follows (the move's follower runs in its own process), the final sync is its cutover.
  const bool binlog = d.engine == "mariadb" && mariadb_sync(o, d) != MariadbSync::whole_pass;
  if (binlog && pass == "copy") extra = " --follow";
  if (binlog && (pass == "final-sync" || pass == "stop-follow"))
    return fmt::format("{} migrate mariadb --from \"{}\" --to \"{}\"{}", argv.rehome, argv.from, argv.to,
                       pass == "final-sync" ? fmt::format(" --jobs {} --cutover", o.jobs) : " --stop-follow");
  if (pass == "final-sync") extra = " --truncate";  // the whole database again, under the freeze
  if (pass == "verify" && d.engine == "mariadb") extra = " --verify-only";
  return fmt::format("{} migrate {} --from \"{}\" --to \"{}\"{}{} --state {}", argv.rehome, d.engine,
                     argv.from, argv.to, runbook::copy_flags(d, {.jobs = o.jobs}), extra, state);
}

}  // namespace rehome::move
