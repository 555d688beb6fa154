#pragma once
// The final sync of a MariaDB migration from the source's binary log, so the write freeze at cutover
// lasts as long as the changes not yet applied, not as long as the database (the shape of PostgreSQL's
// catch_up.hpp; docs/migrate.md).
//
//   1. Before the copy: check_follow_source() refuses, naming the setting and what to do, a source
//      that cannot be followed (binary log off, binlog_format STATEMENT, missing REPLICATION SLAVE /
//      BINLOG MONITOR, a target user that may not replay binlog events, no mariadb-binlog). Nothing is
//      written before every check passed.
//   2. After the verified copy: start_mariadb_follow() records in the target's _rehome.follow the
//      binlog position of the copy's snapshot (read under the copy's read lock) and the selection.
//   3. run_mariadb_follow(): rehome applies the source's binlog itself, from that position. It streams
//      `mariadb-binlog --read-from-remote-server --stop-never` (the password, when the URL holds one, in
//      a 0600 option file in a private 0700 temp folder, removed once the program read it; never argv)
//      and applies what it prints on its own connection to the target: the ROW events as the BINLOG
//      statements mariadb-binlog writes (the target server decodes them: every type exact), DDL with
//      its session context. CHANGE MASTER TO would have stored the source's password in the target's
//      master.info: no replication is configured on the target.
//      Exactly once: every source transaction is applied in one target transaction that also moves
//      _rehome.follow's position to the transaction's end (file, end_log_pos of its commit): after a
//      kill -9 the target has either both or neither, and the next run starts from the recorded
//      position, so no event is applied twice or skipped. DDL cannot share a transaction (it commits
//      implicitly): its position is recorded right after it, and the one DDL a kill can catch between
//      the two is recognized when replayed (already exists / does not exist) and passed over.
//   4. mariadb_cutover(), called once the old writers stopped: reads the source's position (the
//      freeze position), has the running follower (or itself) apply up to it, then proves every table
//      with the copy's chunked checksums (the frozen source against the target) and drops the follow.
//      The window (writers stopped -> target writable) is the catch-up alone.
//
// A follower holds the advisory lock rehome_follow_<name> on the target; --cutover and --stop-follow
// ask it through _rehome.follow and wait for the lock.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "migrate/mariadb/mariadb_migration.hpp"

namespace rehome::migrate {

// One position in a server's binary log.
struct BinlogPosition {
  std::string file;  // "binlog.000003"
  int64_t pos = 0;
  bool empty() const { return file.empty(); }
  std::string text() const;  // "binlog.000003:1234"
};
// Orders positions of one server's log: by the file's numeric suffix, then the offset.
int compare_positions(const BinlogPosition& a, const BinlogPosition& b);
// "binlog.000003:1234" or "binlog.000003:1234, gtid 0-1-42" (the copy's record); nullopt otherwise.
std::optional<BinlogPosition> parse_binlog_position(const std::string& text);

struct MariadbFollowOptions {
  std::string from, to;  // the migration's --from and --to
  std::vector<std::string> databases;
  std::vector<TableName> tables;
  std::string defaults_file;
  int jobs = 4;                       // connections on each side for the cutover's proof
  std::chrono::seconds timeout{600};  // the cutover waits this long for the follower
  std::function<void(const std::string&)> on_step;
  // The follower stops (between transactions) when this returns true: SIGINT/SIGTERM in the CLI.
  std::function<bool()> interrupted;
};

// The follow's name: rehome_<16 hex digits> of from, to and the selection (stable across runs).
std::string mariadb_follow_name(const MariadbFollowOptions& options);

// What a source and target offer for a follow. `problems` each name the setting and what to do;
// `warnings` (binlog_format MIXED) do not stop it.
struct FollowCheck {
  std::vector<std::string> problems, warnings;
  std::string binlog_format;
  bool ok() const { return problems.empty(); }
};
// Checks the source (MariaDB, log_bin, binlog_format, REPLICATION SLAVE and BINLOG MONITOR/REPLICATION
// CLIENT), the target (BINLOG REPLAY or SUPER) and mariadb-binlog on PATH. `from_position` (the
// snapshot's or the recorded one), when given, must still be in the source's binary log (not purged).
// `target` false: the source's side alone (a move's dry run, before the new server exists).
FollowCheck check_follow_source(const MariadbFollowOptions& options,
                                const std::optional<BinlogPosition>& from_position = std::nullopt,
                                bool target = true);
// The same, throwing UserError that lists every problem when one fails.
void require_follow_source(const MariadbFollowOptions& options,
                           const std::optional<BinlogPosition>& from_position = std::nullopt);

// After a verified copy: records on the target where the follow starts (the copy's snapshot
// position, `report.binlog_position`) and what it applies (the report's tables); replaces an earlier
// follow of the same name (the copy ran again: the target is at the new snapshot).
void start_mariadb_follow(const MariadbFollowOptions& options, const MariadbMigrationReport& report);

// Whether a follow of these options is recorded on the target, and where it stands.
struct MariadbFollowState {
  bool recorded = false;
  std::string name;
  BinlogPosition applied;  // the end of the last source transaction applied
  int64_t transactions = 0;
  bool running = false;  // a follower holds its lock
};
MariadbFollowState mariadb_follow_state(const MariadbFollowOptions& options);

// What one run of the applier did.
struct MariadbApplyStats {
  BinlogPosition from, to;
  int64_t transactions = 0, statements = 0, skipped_statements = 0, ddl = 0;
  std::vector<std::string> notes;  // DDL passed over (another database, no default database) ...
  double seconds = 0;
};

// Applies the source's binlog from the recorded position until interrupted() or a --stop-follow /
// --cutover request (then up to the requested position). Holds the follower lock; throws UserError
// when another follower runs, on a purged position, or when an event cannot be applied (naming its
// position: the target has everything before it).
MariadbApplyStats run_mariadb_follow(const MariadbFollowOptions& options);

struct MariadbFollowLag {
  BinlogPosition source, applied;
  int64_t bytes_behind = 0;  // binlog bytes between them (every database's: an upper bound)
  int64_t transactions = 0;  // applied since the follow started
  bool running = false;      // a follower holds the lock
  double seconds_since_apply = 0;
};
MariadbFollowLag mariadb_follow_lag(const MariadbFollowOptions& options);

struct MariadbCutoverReport {
  std::string source, target, name;  // masked URLs
  BinlogPosition applied_at_start, freeze_position;
  int64_t lag_bytes_at_start = 0;
  bool follower_was_running = false;
  MariadbApplyStats applied;  // what the catch-up applied (this process's, or the follower's count)
  // window_seconds: from the call (writers stopped) to the target writable (caught up to the freeze
  // position, follower stopped); verified_seconds: to the end of the proof; cleanup: the follow dropped.
  double catch_up_seconds = 0, window_seconds = 0, verify_seconds = 0, verified_seconds = 0,
         cleanup_seconds = 0;
  MariadbMigrationReport proof;  // --verify-only of the frozen source against the target
  bool dropped = false;
  bool verified() const { return problems().empty(); }
  std::vector<std::string> problems() const;
};
// The cutover, once the old writers stopped. When a table differs the follow is kept (stop the
// writers and run it again, or --stop-follow) and the report names the key ranges.
MariadbCutoverReport mariadb_cutover(const MariadbFollowOptions& options);

// `--follow`: checks the source before anything is written; unless a follow of these options is
// recorded on the target already (then it resumes from its recorded position: no copy), runs the copy
// (`migration`), and when it is verified, records the follow at its snapshot position (`on_copied`
// sees the copy's report first); then follows until interrupted or asked to stop.
struct MariadbFollowRun {
  std::optional<MariadbMigrationReport> copy;  // none when an existing follow was resumed
  bool resumed = false;
  std::vector<std::string> warnings;  // the source check's (binlog_format MIXED)
  MariadbApplyStats applied;
};
MariadbFollowRun copy_and_follow(const MariadbMigrationOptions& migration,
                                 const MariadbFollowOptions& options,
                                 const std::function<void(const MariadbMigrationReport&)>& on_copied);

// Stops a running follower (between transactions) and removes the follow's record; returns what it
// did, one line each.
std::vector<std::string> stop_mariadb_follow(const MariadbFollowOptions& options);

}  // namespace rehome::migrate
