#pragma once
// The steps of a PostgreSQL migration, each in its own file, sharing this context. The orchestrator
// (postgres/migration.cpp) decides which to run from the state file.
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engines/postgres.hpp"
#include "migrate/parallel.hpp"
#include "migrate/postgres/catalog.hpp"
#include "migrate/postgres/checksum.hpp"
#include "migrate/postgres/dump_script.hpp"
#include "migrate/postgres/migration.hpp"
#include "migrate/postgres/state.hpp"

namespace rehome::migrate {

struct MigrationContext {
  const PgMigrationOptions& options;
  engines::PgEndpoint source;
  engines::PgEndpoint target;
  std::string snapshot;           // exported by the coordinator; empty if none
  std::vector<TableInfo> tables;  // the selected source tables
  std::vector<CrossingKey> crossing_keys;
  StateFile& state;
  StopFlag stop;
  std::atomic<int64_t> rows{0}, bytes{0};              // copy progress
  std::atomic<int64_t> steps_done{0}, steps_total{0};  // indexes and verify progress
  // The part of the proof the pipeline already computed in this run: per table, the target's sum
  // (readback or in-server), and the source's own row count (readback) or in-server sum (server).
  // verify() does the rest.
  std::mutex proof_mutex;
  // Server mode: both sides' in-server sums.
  std::map<TableName, Checksum> target_sums, source_sums;
  std::map<TableName, int64_t> source_counts;
  // Worker time spent, in microseconds (tasks overlap, so these add up to more than the wall time).
  std::atomic<int64_t> copy_work_us{0}, verify_work_us{0}, index_work_us{0};
};

// Adds the time between its construction and destruction to `counter` (microseconds).
class WorkTimer {
 public:
  explicit WorkTimer(std::atomic<int64_t>& counter) : counter_(counter) {}
  ~WorkTimer() {
    counter_ +=
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_)
            .count();
  }
  WorkTimer(const WorkTimer&) = delete;
  WorkTimer& operator=(const WorkTimer&) = delete;

 private:
  std::atomic<int64_t>& counter_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// 16 hex digits naming a migration (from, to, selection): its state file and its follow objects.
std::string migration_fingerprint(const engines::PgEndpoint& from, const engines::PgEndpoint& to,
                                  const Selection& selection);

// Opens a source connection reading in the migration's snapshot (REPEATABLE READ, read only).
void begin_snapshot_transaction(engines::PgConnection& source, const std::string& snapshot);

// pg_dump --schema-only --section=<section> of the selection, parsed. Uses the snapshot if any.
// `selection_args` replaces the selection's own pg_dump options when given.
DumpScript dump_schema(const MigrationContext& context, const std::string& section,
                       const std::vector<std::string>* selection_args = nullptr);

// schema step: pre-data (schemas, types, functions, tables, sequences) in one transaction, plus the
// bookkeeping tables (the run's identity, the committed units); returns the number of entries created (0
// when a killed run's transaction, which the server finished on its own, created them while this one waited).
int apply_pre_data(MigrationContext& context);
// What the target already holds of what the migration would create (at most 20 names).
std::vector<std::string> conflicting_target_objects(const Selection& selection,
                                                    engines::PgConnection& target);
// Empties the target for --truncate: drops the selected tables, or the selected schemas.
void empty_target(MigrationContext& context, engines::PgConnection& target);

// COPY ... TO STDOUT of a unit's rows in `format` ("binary" or "text"), and a table's format.
std::string copy_out_sql(const WorkUnit& unit, const TableInfo& table, const std::string& format);
inline std::string copy_format(const TableInfo& table) { return table.binary_copy_safe ? "binary" : "text"; }

// How a table's content is proven under the run's --verify: stream, for a table rehome cannot hash
// as its server does (no TableInfo::stream_hasher), is readback.
inline VerifyMode proof_method(const TableInfo& table, VerifyMode mode) {
  return mode == VerifyMode::stream && !table.stream_hasher ? VerifyMode::readback : mode;
}

// Copies one unit (source snapshot -> target) and commits it with its bookkeeping row; returns its
// row count (the source's COPY count, which the target's equals).
int64_t copy_unit(MigrationContext& context, engines::PgConnection& source, engines::PgConnection& target,
                  const WorkUnit& unit, const TableInfo& table);
// Session settings of every pipeline connection: text forms pinned (checksum_session_settings); on the
// target, asynchronous commits (a lost unit commit is a unit copied again; the end syncs).
void prepare_source_session(engines::PgConnection& source);
void prepare_target_session(engines::PgConnection& target);

// The pipeline: every pending copy unit, and as soon as all units of a table are committed, that
// table's readback proof, its indexes and PK/UNIQUE constraints (post-data wave 0) and ANALYZE, while
// other tables still copy; `jobs` workers. `post_data` is the post-data dump. Returns units copied.
int run_pipeline(MigrationContext& context, const DumpScript& post_data);
// Marks units the target committed (bookkeeping table) as done and the others as pending.
void reconcile_units(MigrationContext& context, engines::PgConnection& target);

// indexes step: the post-data statements not yet done, in waves across `jobs` connections. Returns
// the count run.
int build_post_data(MigrationContext& context, const DumpScript& script);
// Whether a post-data entry is part of the migration (a foreign key crossing the cut is not).
bool wanted_post_data(const MigrationContext& context, const DumpEntry& entry);
// Runs one post-data entry in its own (synchronously committed) transaction and records it in the
// state file; an object that already exists (committed just before a kill) counts as done.
void run_post_data_entry(MigrationContext& context, engines::PgConnection& target, const DumpEntry& entry);

// sequences step: target sequences set to the source's values.
void copy_sequences(engines::PgConnection& source, engines::PgConnection& target);

// The readback checksum of a unit's rows on `db` (COPY in the table's format, hashed as it streams).
Checksum readback_checksum(engines::PgConnection& db, const WorkUnit& unit, const TableInfo& table);
// The target's block ranges of a table for reading it back (`table` describes the source's copy).
std::vector<WorkUnit> target_ranges(engines::PgConnection& target, const TableInfo& table, int jobs);
// The in-server proof of a unit's rows on `db`: count(*) and the sum of table.row_hash, in SQL.
Checksum server_checksum(engines::PgConnection& db, const WorkUnit& unit, const TableInfo& table);
// count(*) of a table on the source (the caller opened the snapshot): independent of the copy's ranges.
int64_t source_row_count(engines::PgConnection& source, const TableName& table);

// verify step.
void verify(MigrationContext& context, engines::PgConnection& source, engines::PgConnection& target,
            PgMigrationReport& report);

}  // namespace rehome::migrate
