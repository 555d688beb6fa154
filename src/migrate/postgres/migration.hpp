#pragma once
// `rehome migrate postgres`: copy a database (or the tables of one service, seed 004) to another
// server in one consistent instant, in parallel, resumable after kill -9, and prove it: per table
// row count and content checksum computed inside each server, sequences, sizes.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "migrate/progress.hpp"
#include "migrate/resume_decision.hpp"
#include "migrate/selection.hpp"

namespace rehome::migrate {

// How the content is proven equal (all compare per-table row counts and sums of per-row hashes):
// stream (default): the target hashes its rows in SQL (count(*) and the sum of row_hash_sql,
//   postgres/row_hash.hpp: each type's own hash function) as soon as a table committed, overlapped with the
//   copy of others; the source's side is the same hash, computed by rehome from the source's binary
//   COPY stream as it passes (RowHasher: no second pass over the source, none of the target's rows
//   sent back). A table with a type rehome does not hash that way is proven by readback instead,
//   and a table whose sums differ is read back byte-exact on both sides before it is reported.
// readback: the source's rows are hashed by rehome as they stream through the copy (no
//   second pass over the source), the target's by reading each committed table back (COPY, same
//   format) while other tables still copy; the source counts its rows itself, in SQL. Byte-exact.
// server: each server counts and hashes its own rows in SQL, the source in the migration's snapshot
//   (row_hash_sql over the row: each type's own hash function), the target once the table is
//   committed, also overlapped with the copy; independent of rehome's copy path, but a pass on both
//   servers.
// none: no content proof; row counts only (each unit's COPY count on the source equals the target's).
enum class VerifyMode { stream, readback, server, none };

// "stream", "readback", "server", "none": the --verify word, and what reports call the proof.
const char* verify_mode_name(VerifyMode mode);

struct PgMigrationOptions {
  std::string from;          // source URL
  std::string to;            // target URL (the database must exist)
  Selection selection;       // default: everything
  int jobs = 4;              // parallel connections on each side
  bool truncate = false;     // drop what the target holds in the migrated schemas/tables first
  bool keep_owners = false;  // keep object owners and grants (roles must exist on the target)
  VerifyMode verify = VerifyMode::stream;
  bool analyze = false;  // ANALYZE each table once built (else left to autovacuum, like pg_restore)
  // Keep the target in sync after the copy by logical replication (postgres/catch_up.hpp): the copy
  // reads in the snapshot of a slot created with it, and the verified target subscribes to that slot.
  bool follow = false;
  bool replica_identity_full = false;  // --follow: set REPLICA IDENTITY FULL on tables without a key
  std::string source_from_target;      // --follow: the source as the target's server reaches it
  std::filesystem::path work_dir = default_work_dir;  // the folder of the state file
  std::filesystem::path state_file;  // empty: default_state_file(work_dir, from, to, selection)
  std::function<void(const Progress&)> on_progress;
  std::chrono::milliseconds progress_interval{1000};
  std::function<void(const std::string&)> on_step;  // "schema: 12 objects created" ...
};

struct TableCheck {
  TableName table;
  int64_t source_rows = -1, target_rows = -1;  // -1: table missing on that side
  std::string source_checksum, target_checksum;
  int64_t source_bytes = 0, target_bytes = 0;  // total relation size (heap + indexes + toast)
  VerifyMode proof = VerifyMode::stream;       // how its content was proven
  // stream: the sums differed, so both sides were read back byte-exact (proof is then "readback").
  bool reread = false;
  bool ok() const {
    return source_rows >= 0 && source_rows == target_rows && source_checksum == target_checksum;
  }
};

struct SequenceCheck {
  TableName sequence;
  std::optional<int64_t> source, target;
  bool target_exists = true;
  bool ok() const { return target_exists && source == target; }
};

struct PgMigrationReport {
  std::string source, target, selection;  // masked
  std::filesystem::path state_file;
  bool resumed = false;           // continued an interrupted run
  bool already_complete = false;  // the state file and the target's run row said done: only verified again
  std::string run_id;             // the run (state file and the target's _rehome_migrate.run)
  std::string stale_state;        // why an existing state file was set aside ("" when it was not)
  // already_complete: when the run finished (UTC) and the figures it verified then.
  std::string completed_at;
  int64_t original_tables = 0, original_rows = 0, original_bytes = 0;
  bool content_proven = true;  // false with --verify none: row counts only, no checksums
  int64_t rows_copied = 0, bytes_copied = 0;
  int units = 0, units_copied_now = 0;
  int post_data_statements = 0;
  // Wall times of the steps. The copy step overlaps each finished table's readback, indexes and
  // ANALYZE; verify is what remains after it (sequences, sizes, comparison, tables not yet read back).
  double schema_seconds = 0, copy_seconds = 0, post_data_seconds = 0, verify_seconds = 0, total_seconds = 0;
  // Worker time (summed over the workers, overlapped): copying, proving (readback, source counts,
  // in-SQL checksums) and building indexes/ANALYZE. verify_work / copy_work is the proof's cost.
  double copy_work_seconds = 0, verify_work_seconds = 0, index_work_seconds = 0;
  std::vector<TableCheck> tables;
  std::vector<SequenceCheck> sequences;
  std::vector<CrossingKey> crossing_keys;
  std::vector<std::string> extra_target_tables;  // in the target's migrated schemas but not the source's
  std::string follow_slot;  // --follow: the slot and subscription the target now streams through
  bool verified() const;
  std::vector<std::string> problems() const;  // one line per difference, naming the table
};

PgMigrationReport migrate_postgres(const PgMigrationOptions& options);

// Evidence: the report as `rehome migrate postgres --json` prints it and `rehome report` reads it back.
inline constexpr const char* kPgMigrationKind = "rehome.migration.postgres";
inline constexpr int kPgMigrationFormat = 1;
nlohmann::json to_json(const PgMigrationReport& report);
PgMigrationReport pg_migration_from_json(
    const nlohmann::json& j);  // UserError / json::exception if malformed

// <work_dir>/postgres-<target db>-<hash of from, to, selection>.state.json
std::filesystem::path default_state_file(const std::filesystem::path& work_dir, const std::string& from,
                                         const std::string& to, const Selection& selection);

}  // namespace rehome::migrate
