#include "migrate/postgres/run_record.hpp"

#include <fmt/format.h>

#include "migrate/postgres/catalog.hpp"

namespace rehome::migrate {

std::string pg_system_identifier(engines::PgConnection& db) {
  std::string message;  // pg_control_system() may be revoked from the user: then unknown, not compared
  if (!db.try_exec("SELECT system_identifier FROM pg_control_system()", &message).empty()) return "";
  return db.scalar("SELECT system_identifier::text FROM pg_control_system()");
}

RunRecord read_run_record(engines::PgConnection& target, const std::string& selection) {
  RunRecord r;
  if (target.scalar(fmt::format("SELECT to_regclass('{}.run')::text", bookkeeping_schema)).empty()) return r;
  auto rows = target.text_rows(
      fmt::format("SELECT run_id, source_system, source_database, snapshot,"
                  " to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                  " coalesce(to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''),"
                  " tables, rows, bytes FROM {}.run WHERE selection = {}",
                  bookkeeping_schema, engines::quote_literal(selection)));
  if (rows.empty()) return r;
  const auto& row = rows.front();
  r = {.selection = selection,
       .run_id = row[0],
       .source_system = row[1],
       .source_database = row[2],
       .snapshot = row[3],
       .started_at = row[4],
       .finished_at = row[5],
       .tables = row[6].empty() ? 0 : std::stoll(row[6]),
       .rows = row[7].empty() ? 0 : std::stoll(row[7]),
       .bytes = row[8].empty() ? 0 : std::stoll(row[8])};
  return r;
}

std::string run_record_sql(const RunRecord& run) {
  return fmt::format(
      "CREATE SCHEMA IF NOT EXISTS {0};\n"
      "CREATE TABLE IF NOT EXISTS {0}.run (selection text PRIMARY KEY, run_id text NOT NULL,\n"
      "  source_system text NOT NULL, source_database text NOT NULL, snapshot text NOT NULL,\n"
      "  started_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz, tables bigint, rows "
      "bigint,\n"
      "  bytes bigint);\n"
      "DELETE FROM {0}.run WHERE selection = {1};\n"
      "INSERT INTO {0}.run (selection, run_id, source_system, source_database, snapshot)\n"
      "  VALUES ({1}, {2}, {3}, {4}, {5});\n",
      bookkeeping_schema, engines::quote_literal(run.selection), engines::quote_literal(run.run_id),
      engines::quote_literal(run.source_system), engines::quote_literal(run.source_database),
      engines::quote_literal(run.snapshot));
}

void finish_run_record(engines::PgConnection& target, const std::string& selection, int64_t tables,
                       int64_t rows, int64_t bytes) {
  // A normal (synchronous) commit: also flushes the copy's asynchronous commits before it.
  target.exec(
      fmt::format("BEGIN; UPDATE {0}.run SET finished_at = now(), tables = {1}, rows = {2}, bytes = {3}"
                  " WHERE selection = {4}; DROP TABLE IF EXISTS {0}.copied; COMMIT",
                  bookkeeping_schema, tables, rows, bytes, engines::quote_literal(selection)));
}

void forget_run_record(engines::PgConnection& target, const std::string& selection) {
  target.exec(fmt::format("DROP TABLE IF EXISTS {}.copied", bookkeeping_schema));
  if (!target.scalar(fmt::format("SELECT to_regclass('{}.run')::text", bookkeeping_schema)).empty()) {
    target.exec(fmt::format("DELETE FROM {}.run WHERE selection = {}", bookkeeping_schema,
                            engines::quote_literal(selection)));
  }
}

}  // namespace rehome::migrate
