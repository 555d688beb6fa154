// schema step: the structure (pre-data) on the target before any data, in one transaction.
#include <set>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/process.hpp"
#include "common/secrets.hpp"
#include "migrate/postgres/run_record.hpp"
#include "migrate/postgres/steps.hpp"

namespace rehome::migrate {

void begin_snapshot_transaction(engines::PgConnection& source, const std::string& snapshot) {
  source.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (!snapshot.empty()) source.exec("SET TRANSACTION SNAPSHOT " + engines::quote_literal(snapshot));
}

DumpScript dump_schema(const MigrationContext& context, const std::string& section,
                       const std::vector<std::string>* selection_args) {
  auto pg_dump = require_program("pg_dump", "postgresql-client");
  auto child = engines::for_child_process(context.source);
  std::vector<std::string> argv = {pg_dump.string(), "--section=" + section, "--no-subscriptions",
                                   "--dbname=" + child.conninfo_without_password};
  if (!context.options.keep_owners) {
    argv.push_back("--no-owner");
    argv.push_back("--no-privileges");
  }
  if (!context.snapshot.empty()) argv.push_back("--snapshot=" + context.snapshot);
  for (const auto& arg : selection_args ? *selection_args : context.options.selection.pg_dump_args())
    argv.push_back(arg);
  ProcessOptions process;
  if (!child.password.empty()) process.env["PGPASSWORD"] = child.password;
  auto result = run_process(argv, process);
  if (!result.ok()) {
    throw UserError(fmt::format("pg_dump --section={} of the source {} failed: {}", section,
                                context.source.masked, mask_secrets(result.err)),
                    "check that pg_dump is at least as new as the source server (apt-get install "
                    "postgresql-client-<version>) and that the user may read every selected table");
  }
  return parse_dump_script(result.out);
}

namespace {

// pg_dump --table dumps the tables alone, not the enums, domains or functions their columns and
// defaults use. For a --tables split those come from a dump of the tables' schemas: the kinds of
// objects below, added before the tables (an unused type in the new database is harmless).
bool table_support_object(const DumpEntry& entry) {
  static const std::set<std::string> kinds = {
      "SCHEMA",    "EXTENSION", "TYPE",     "SHELL TYPE", "DOMAIN",         "FUNCTION",       "PROCEDURE",
      "AGGREGATE", "COLLATION", "OPERATOR", "CAST",       "OPERATOR CLASS", "OPERATOR FAMILY"};
  return kinds.count(entry.type) > 0;
}

DumpScript pre_data_script(const MigrationContext& context) {
  DumpScript script = dump_schema(context, "pre-data");
  const Selection& selection = context.options.selection;
  if (selection.tables.empty()) return script;
  std::set<std::string> schemas;
  for (const auto& t : selection.tables) schemas.insert(t.schema);
  std::vector<std::string> args;
  for (const auto& s : schemas) args.push_back("--schema=" + engines::quote_ident(s));
  DumpScript support = dump_schema(context, "pre-data", &args);
  std::set<std::string> have;
  for (const auto& e : script.entries) have.insert(e.id());
  std::vector<DumpEntry> entries;
  for (auto& e : support.entries) {
    if (table_support_object(e) && !have.count(e.id())) entries.push_back(std::move(e));
  }
  for (auto& e : script.entries) entries.push_back(std::move(e));
  script.entries = std::move(entries);
  return script;
}

}  // namespace

int apply_pre_data(MigrationContext& context) {
  DumpScript script = pre_data_script(context);
  engines::PgConnection target(context.target, "target");
  std::set<std::string> existing_schemas;
  for (const auto& row : target.query("SELECT nspname FROM pg_namespace")) existing_schemas.insert(*row[0]);

  std::string sql = "BEGIN;\n" + script.preamble;
  int created = 0;
  for (const auto& entry : script.entries) {
    if (entry.type == "SCHEMA" && existing_schemas.count(entry.name)) continue;  // e.g. public
    sql += entry.sql;
    ++created;
  }
  // The run's identity commits with the schema: the target carries it exactly when it carries the schema.
  const MigrationState state = context.state.snapshot();
  sql += '\n';
  sql += run_record_sql({.selection = context.options.selection.describe(),
                         .run_id = state.run_id,
                         .source_system = state.source_system,
                         .source_database = context.source.database,
                         .snapshot = context.snapshot});
  // The bookkeeping table commits with each unit's data (copy step): exactly-once across kill -9.
  sql += fmt::format(
      "CREATE SCHEMA IF NOT EXISTS {0};\n"
      "CREATE TABLE IF NOT EXISTS {0}.copied (unit text PRIMARY KEY, rows bigint NOT NULL, bytes bigint NOT "
      "NULL,\n"
      "  checksum text NOT NULL, copied_at timestamptz NOT NULL DEFAULT now());\nCOMMIT;\n",
      bookkeeping_schema);
  std::string message;
  if (!target.try_exec(sql, &message).empty()) {
    target.try_exec("ROLLBACK");
    // A run killed during this step: the server runs the text it was sent to its end, COMMIT included,
    // with nobody left to answer; this run's CREATEs waited for that transaction and then collided.
    // Its bookkeeping table, created last in the same transaction, says whether it committed.
    if (!target.scalar(fmt::format("SELECT to_regclass('{}.copied')::text", bookkeeping_schema)).empty())
      return 0;
    throw UserError(
        fmt::format("creating the schema on the target {} failed (nothing was created): {}",
                    context.target.masked, message),
        "with --tables, the tables may need types or functions that were not selected: add them, or "
        "migrate the whole schema with --schema");
  }
  return created;
}

std::vector<std::string> conflicting_target_objects(const Selection& selection,
                                                    engines::PgConnection& target) {
  if (selection.tables.empty()) return existing_user_objects(target, selection.schemas);
  std::vector<std::string> found;
  for (const auto& t : selection.tables) {
    if (!target.scalar("SELECT to_regclass($1)::text", {engines::qualified_name(t.schema, t.name)}).empty()) {
      found.push_back(t.display());
    }
  }
  return found;
}

void empty_target(MigrationContext& context, engines::PgConnection& target) {
  const Selection& selection = context.options.selection;
  forget_run_record(target, selection.describe());
  if (!selection.tables.empty()) {
    std::vector<std::string> names;
    for (const auto& t : selection.tables) names.push_back(engines::qualified_name(t.schema, t.name));
    target.exec(fmt::format("DROP TABLE IF EXISTS {} CASCADE", fmt::join(names, ", ")));
    return;
  }
  std::vector<std::string> schemas = selection.schemas;
  if (schemas.empty()) {
    for (const auto& row : target.query(
             "SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') "
             "AND nspname NOT LIKE 'pg\\_%'")) {
      schemas.push_back(*row[0]);
    }
  }
  for (const auto& schema : schemas) {
    target.exec(fmt::format("DROP SCHEMA IF EXISTS {} CASCADE", engines::quote_ident(schema)));
    if (schema == "public") {
      // Put back the schema every database has, with its usual owner and grant where we may.
      target.exec("CREATE SCHEMA public");
      target.try_exec("ALTER SCHEMA public OWNER TO pg_database_owner");
      target.try_exec("GRANT USAGE ON SCHEMA public TO PUBLIC");
    }
  }
}

}  // namespace rehome::migrate
