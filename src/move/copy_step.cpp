// Step 7: every piece of data copied while the old host still serves (postgres, redis, mariadb
// databases and named volumes), each by its mover in process; the equivalent command is printed.
#include <fmt/format.h>

#include "move/context.hpp"
#include "move/data_commands.hpp"
#include "move/final_sync.hpp"

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
    const PgSync sync = postgres_sync(c.options, d);
    if (d.engine == "postgres" && sync != PgSync::whole_pass) {
      s.what +=
          sync == PgSync::follow
              ? " The source runs wal_level = logical: the copy reads in a replication slot's snapshot, "
                "then the target follows the source (logical replication) until the final sync's "
                "cutover."
              : " When the source runs wal_level = logical, the copy reads in a replication slot's "
                "snapshot and the target then follows the source until the final sync's cutover; "
                "otherwise the final sync is a whole pass.";
      // A slot left behind keeps the source's WAL until its disk fills.
      s.rollback.push_back({"", mover_command(c.options, d, "stop-follow"), false});
    } else if (d.engine == "mariadb") {
      const MariadbSync msync = mariadb_sync(c.options, d);
      if (msync == MariadbSync::whole_pass) {
        s.what += " The binlog cannot be used (" + c.options.mariadb_binlog_problem.at(d.slug()) +
                  "): no follow, the final sync is a whole pass.";
      } else {
        s.what += msync == MariadbSync::binlog
                      ? " The source can be followed: the copy records its snapshot's binlog position on the "
                        "target, then a follower in rehome's process applies the source's binlog until the "
                        "final sync's cutover."
                      : " When the source can be followed (log_bin, binlog_format ROW, the replication "
                        "privileges; checked when the copy runs), the copy records its snapshot's binlog "
                        "position on the target and a follower applies the binlog until the final sync's "
                        "cutover; otherwise the final sync is a whole pass (the journal says why).";
        // The follow's record on the target; its follower ends with rehome's process.
        s.rollback.push_back({"", mover_command(c.options, d, "stop-follow"), false});
      }
    } else if (d.engine == "postgres") {
      s.what += " The source does not run wal_level = logical: no follow, the final sync is a whole pass.";
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace rehome::move
