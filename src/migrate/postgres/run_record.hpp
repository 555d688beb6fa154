#pragma once
// The migration's identity on the target: _rehome_migrate.run, one row per selection migrated into this
// database (run id, the source's system identifier and database, the snapshot, started/finished times,
// the verified figures), so that two services split into one database each keep their own. Created in the
// schema step's transaction, so the target carries it exactly when it carries the schema; kept after a
// verified end (the per-unit bookkeeping table is dropped then). The state file names the same run id:
// a state file whose run the target does not carry is stale (migrate/resume_decision.hpp).
#include <cstdint>
#include <string>

#include "engines/postgres.hpp"
#include "migrate/resume_decision.hpp"

namespace rehome::migrate {

struct RunRecord {
  std::string selection;  // Selection::describe(): the row's key
  std::string run_id;
  std::string source_system;                // pg_control_system().system_identifier ("" when not readable)
  std::string source_database;              // the source's database name
  std::string snapshot;                     // the exported snapshot the copy read in
  std::string started_at, finished_at;      // ISO 8601 UTC; finished_at empty until verified
  int64_t tables = 0, rows = 0, bytes = 0;  // the verified figures
};

// The server's system identifier (unique per initdb), or "" when the user may not read it.
std::string pg_system_identifier(engines::PgConnection& db);
// The target's run row for `selection`; run_id empty when it has none.
RunRecord read_run_record(engines::PgConnection& target, const std::string& selection);
inline TargetTrace trace_of(const RunRecord& r) {
  return {.run_id = r.run_id, .finished = !r.finished_at.empty(), .source_system = r.source_system};
}
// SQL (inside the schema step's transaction): creates the run table, `run`'s row replacing its
// selection's.
std::string run_record_sql(const RunRecord& run);
// The verified end: the figures and finished_at into the selection's run row, the per-unit table
// dropped, one synchronous commit.
void finish_run_record(engines::PgConnection& target, const std::string& selection, int64_t tables,
                       int64_t rows, int64_t bytes);
// Before a new run: the per-unit table and the selection's run row go (other selections' rows stay).
void forget_run_record(engines::PgConnection& target, const std::string& selection);

}  // namespace rehome::migrate
