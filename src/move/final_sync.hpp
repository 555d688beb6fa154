#pragma once
// The final sync, one seam per engine: what runs under the write freeze to bring the new side level
// with the old. Each is one function so a better catch-up replaces it alone:
//  - postgres: when the source runs wal_level = logical, the copy starts a logical-replication follow
//    (migrate/postgres/catch_up.hpp) and the final sync is its cutover (marker, caught up, sequences,
//    proof, slot/publication/subscription dropped): the frozen window is the lag, not the database;
//    otherwise a whole pass (--truncate, a fresh state) with its checksums;
//  - mariadb: when the source can be followed (log_bin, binlog_format ROW/MIXED, the privileges:
//    migrate/mariadb/mariadb_follow.hpp, checked at the copy), the copy records the binlog follow at its
//    snapshot's position, a follower applies the binlog in rehome's process from then on
//    (mariadb_followers.hpp), and the final sync is its cutover (the rest applied up to the freeze
//    position, every table proven, the follow dropped): the frozen window is the follower's lag, not the
//    database; otherwise (the reason probed or found at the copy) a whole verified pass;
//  - redis: a whole pass (MSET/RESTORE, every key compared);
//  - volume: the mover's incremental pass (only what changed since the copy is sent).
#include <optional>
#include <string>
#include <vector>

#include "migrate/volume/volume_migration.hpp"
#include "move/mariadb_followers.hpp"
#include "move/move.hpp"
#include "runbook/transport.hpp"

namespace rehome::move {

// What one pass of a mover did: whether it proved the data equal, and in a line for the journal.
struct PassResult {
  bool ok = true;
  std::vector<std::string> problems;  // one line per difference, naming the table, key or file
  std::string summary;
  double seconds = 0;
  bool follows = false;  // a copy that left the target following the source (its cutover is the final sync)
};

// How a PostgreSQL item is carried: copy + logical-replication follow + cutover, or a copy and a whole
// pass under the freeze. `undecided`: the source was not probed; the copy step decides (follow when
// the source runs wal_level = logical).
enum class PgSync { follow, whole_pass, undecided };
// The rule: "logical" -> follow; any other wal_level -> whole_pass; not probed (nullopt) -> undecided.
PgSync choose_postgres_sync(const std::optional<std::string>& wal_level);
// The choice for `item` from MoveOptions::postgres_wal_level (its slug), whole_pass for other engines.
PgSync postgres_sync(const MoveOptions& options, const DataItem& item);

// How a MariaDB item is carried: copy + binlog follow + cutover, or (the binlog cannot be used) a copy
// and a whole verified pass under the freeze. `undecided`: the source was not probed; the copy decides.
enum class MariadbSync { binlog, whole_pass, undecided };
// The rule: a probe's answer ("" the binlog can be used, else why not) -> binlog / whole_pass; not
// probed (nullopt) -> undecided.
MariadbSync choose_mariadb_sync(const std::optional<std::string>& binlog_problem);
// The choice for `item` from MoveOptions::mariadb_binlog_problem (its slug), whole_pass for other
// engines.
MariadbSync mariadb_sync(const MoveOptions& options, const DataItem& item);

// Words for the dry run: how the final sync of `engine` works (`sync`: a postgres item's choice).
std::string final_sync_method(const std::string& engine, PgSync sync = PgSync::undecided);
// The same for `item`, with its probed choice (a MariaDB item's whole pass names its reason).
std::string final_sync_method(const MoveOptions& options, const DataItem& item);

// A volume pass's outcome for the journal. The copy (`pass` "copy", before the freeze) may end with
// files the old side's running writers changed meanwhile: with such writers (and none on the new
// side) those differences are counted in the summary, not failed; the final sync proves the volume.
PassResult volume_pass_result(const migrate::volume::VolumeMigrationReport& report, const std::string& pass);

// The in-process passes of one item, URLs resolved from the credentials (`env`).
PassResult copy_pass(const MoveOptions& options, const DataItem& item, const runbook::Env& env);
PassResult final_sync_postgres(const MoveOptions& options, const DataItem& item, const runbook::Env& env);
PassResult final_sync_mariadb(const MoveOptions& options, const DataItem& item, const runbook::Env& env);
PassResult final_sync_redis(const MoveOptions& options, const DataItem& item, const runbook::Env& env);
PassResult final_sync_volume(const MoveOptions& options, const DataItem& item, const runbook::Env& env);
PassResult verify_pass(const MoveOptions& options, const DataItem& item, const runbook::Env& env);

// Runs a pass of the movers. The real one calls the migrate library; tests give their own.
class Movers {
 public:
  virtual ~Movers() = default;
  // `pass`: copy, final-sync or verify.
  virtual PassResult run(const DataItem& item, const std::string& pass) = 0;
};

// The source's wal_level of a postgres item (SHOW wal_level); nullopt when it cannot be asked.
std::optional<std::string> postgres_wal_level(const DataItem& item, const runbook::Env& env);
// Whether a mariadb item's source can be followed from its binlog (the source's side of
// migrate::check_follow_source: the new server may not exist yet): "" when it can, else the first
// reason; nullopt when it cannot be asked.
std::optional<std::string> mariadb_binlog_problem(const MoveOptions& options, const DataItem& item,
                                                  const runbook::Env& env);
// Asks every postgres and mariadb source of `items` and records the answers in `options`
// (postgres_wal_level, mariadb_binlog_problem), so the dry run says how each final sync runs.
void probe_sources(MoveOptions& options, const std::vector<DataItem>& items, const runbook::Env& env);

class LibraryMovers : public Movers {
 public:
  LibraryMovers(MoveOptions options, runbook::Env env) : options_(std::move(options)), env_(std::move(env)) {}
  // A MariaDB item's copy that recorded its follow starts its follower; its final sync collects it.
  PassResult run(const DataItem& item, const std::string& pass) override;

 private:
  MoveOptions options_;
  runbook::Env env_;
  MariadbFollowers followers_;
};

// Expands ${NAME}, ${NAME:-default}, ${NAME:+word} and $NAME in a URL's shell text from `env` (then
// the process environment), as the shell would, so the printed command and the call use one URL.
std::string expand_variables(const std::string& text, const runbook::Env& env);

}  // namespace rehome::move
