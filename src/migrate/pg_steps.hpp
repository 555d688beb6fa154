#pragma once
// The steps of a PostgreSQL migration, each in its own file, sharing this context. The orchestrator
// (pg_migration.cpp) decides which to run from the state file.
#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "migrate/catalog.hpp"
#include "migrate/dump_script.hpp"
#include "migrate/migrate_state.hpp"
#include "migrate/parallel.hpp"
#include "migrate/pg_connection.hpp"
#include "migrate/pg_migration.hpp"

namespace rehome::migrate {

struct MigrationContext {
  const PgMigrationOptions& options;
  PgEndpoint source;
  PgEndpoint target;
  std::string snapshot;           // exported by the coordinator; empty if none
  std::vector<TableInfo> tables;  // the selected source tables
  std::vector<CrossingKey> crossing_keys;
  StateFile& state;
  StopFlag stop;
  std::atomic<int64_t> rows{0}, bytes{0};              // copy progress
  std::atomic<int64_t> steps_done{0}, steps_total{0};  // indexes and verify progress
};

// Opens a source connection reading in the migration's snapshot (REPEATABLE READ, read only).
void begin_snapshot_transaction(PgConnection& source, const std::string& snapshot);

// pg_dump --schema-only --section=<section> of the selection, parsed. Uses the snapshot if any.
// `selection_args` replaces the selection's own pg_dump options when given.
DumpScript dump_schema(const MigrationContext& context, const std::string& section,
                       const std::vector<std::string>* selection_args = nullptr);

// schema step: pre-data (schemas, types, functions, tables, sequences) in one transaction, plus the
// bookkeeping table; returns the number of entries created.
int apply_pre_data(MigrationContext& context);
// What the target already holds of what the migration would create (at most 20 names).
std::vector<std::string> conflicting_target_objects(MigrationContext& context, PgConnection& target);
// Empties the target for --truncate: drops the selected tables, or the selected schemas.
void empty_target(MigrationContext& context, PgConnection& target);

// COPY ... TO STDOUT of a unit's rows in `format` ("binary" or "text"), and a table's format.
std::string copy_out_sql(const WorkUnit& unit, const TableInfo& table, const std::string& format);
inline std::string copy_format(const TableInfo& table) { return table.binary_copy_safe ? "binary" : "text"; }

// copy step: every pending unit, `jobs` at a time. Returns how many units it copied.
int copy_units(MigrationContext& context);
// Marks units the target committed (bookkeeping table) as done and the others as pending.
void reconcile_units(MigrationContext& context, PgConnection& target);

// indexes step: post-data statements in waves across `jobs` connections. Returns the count run.
int build_post_data(MigrationContext& context);

// sequences step: target sequences set to the source's values.
void copy_sequences(PgConnection& source, PgConnection& target);

// verify step.
void verify(MigrationContext& context, PgConnection& source, PgConnection& target, PgMigrationReport& report);

}  // namespace rehome::migrate
