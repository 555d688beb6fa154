#include "runbook/databases.hpp"

#include <fmt/format.h>

#include "runbook/shell.hpp"

namespace rehome::runbook {
namespace {

// Per table, a checksum of its rows in a stable order: equal output on both sides = same content.
// rehome's own schemas (_rehome_migrate: the target's run record; _rehome_follow) are not the data.
constexpr const char* kPostgresChecksumSql =
    "select table_schema||'.'||table_name||' '||(xpath('/row/c/text()', query_to_xml(format("
    "'select count(*)||'':''||md5(coalesce(string_agg(t::text, ''|'' order by t::text), '''')) as c "
    "from %I.%I t', table_schema, table_name), false, true, '')))[1]::text "
    "from information_schema.tables where table_type = 'BASE TABLE' "
    "and table_schema not in ('pg_catalog', 'information_schema') "
    "and table_schema not like '\\_rehome\\_%' order by 1";

// The CHECKSUM TABLE statement of every user table (SELECT 1 when there is none); each server then
// computes the checksums of its own rows.
constexpr const char* kMariadbChecksumSql =
    "SET SESSION group_concat_max_len = 16777216; SELECT COALESCE(CONCAT('CHECKSUM TABLE ', "
    "GROUP_CONCAT(CONCAT('`', table_schema, '`.`', table_name, '`') ORDER BY table_schema, table_name "
    "SEPARATOR ', ')), 'SELECT 1') FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND "
    "table_schema NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')";

std::string compare_outputs(const std::string& query, const std::string& left, const std::string& right) {
  return fmt::format("q={}; a=\"$({})\" && b=\"$({})\" && [ \"$a\" = \"$b\" ]", shell_quote(query), left,
                     right);
}

// The mariadb client line of an item with another program of the same family (mariadb-dump).
std::string mariadb_program(const std::string& cli, const std::string& program) {
  auto at = cli.find(" mariadb ");
  return at == std::string::npos ? cli : cli.substr(0, at + 1) + program + cli.substr(at + 8);
}

// The new server's `postgres` database, its password left to PGPASSWORD (psql below: see pg()).
std::string admin_url(const DataItem& m) {
  const std::string to = without_password(m, m.to_url);
  return to.substr(0, to.rfind('/')) + "/postgres";
}
// A PostgreSQL client with the item's password in PGPASSWORD, on a URL without it.
std::string pg(const DataItem& m, const std::string& program, const std::string& url) {
  return fmt::format("{}{} \"{}\"", password_env(m), program, without_password(m, url));
}

std::vector<std::string> listed_databases(const Context& c, const DataItem& m) {
  const auto* s = c.estate.find_service(m.service);
  return s && s->data ? s->data->databases : std::vector<std::string>{};
}

}  // namespace

Step backup_step(const Context& c, const DataItem& m, int phase, const std::string& suffix) {
  std::string dir = c.options.workdir + "/backups";
  const char* extension = m.engine == "redis" ? ".rdb" : m.engine == "mariadb" ? ".sql" : ".dump";
  std::string file = dir + "/" + m.slug() + suffix + extension;
  Step s;
  s.id = fmt::format("{}.backup.{}", phase, m.slug());
  s.phase = phase;
  s.title = "back up " + m.slug();
  std::string dump;
  if (m.engine == "redis") {
    dump = fmt::format("{} --rdb {}", m.from_cli, file);
  } else if (m.engine == "mariadb") {
    // One consistent snapshot (InnoDB) with routines, events and triggers.
    auto names = listed_databases(c, m);
    std::vector<std::string> quoted;
    for (const auto& n : names) quoted.push_back(shell_word(n));
    dump = fmt::format("{} --single-transaction --routines --events --triggers {} > {}",
                       mariadb_program(m.from_cli, "mariadb-dump"),
                       names.empty() ? "--all-databases" : "--databases " + join(quoted, " "), file);
  } else {
    dump = fmt::format("{} --format=custom --file={}", pg(m, "pg_dump", m.from_url), file);
  }
  s.what = fmt::format(
      "Dumps {} on the old server to {} and records its SHA-256, so it can be restored whatever "
      "happens next.",
      m.slug(), file);
  s.command = fmt::format("mkdir -p {} && {} && sha256sum {} > {}.sha256", dir, dump, file, file);
  s.verify = fmt::format("sha256sum --check --status {}.sha256 && test -s {}", file, file);
  if (m.engine == "postgres") s.verify += fmt::format(" && pg_restore --list {} > /dev/null", file);
  if (m.engine == "mariadb") s.verify += fmt::format(" && tail -n 1 {} | grep -q 'Dump completed'", file);
  s.rollback = fmt::format("rm -f {} {}.sha256  # a backup changes nothing on the servers", file, file);
  return s;
}

Step credentials_step(const DataItem& m, int phase, bool new_side) {
  Step s;
  s.id = fmt::format("{}.credentials{}.{}", phase, new_side ? "-new" : "", m.slug());
  s.phase = phase;
  s.title = fmt::format("{} accepts the credentials ({} server)", m.slug(), new_side ? "new" : "old");
  s.what = fmt::format("Connects to {} on the {} server with the credentials file's user and password.",
                       m.slug(), new_side ? "new" : "old");
  const std::string& cli = new_side ? m.to_cli : m.from_cli;
  if (m.engine == "redis")
    s.command = fmt::format("{} ping | grep -qx PONG", cli);
  else if (m.engine == "mariadb")
    s.command = fmt::format("{} -N -e 'SELECT 1' > /dev/null", cli);
  else  // the new server has no copy of the database yet: connect to its `postgres` database
    s.command =
        fmt::format("{} -XAtqc 'select 1' > /dev/null", pg(m, "psql", new_side ? admin_url(m) : m.from_url));
  if (new_side) s.command = retry_until(s.command, 120);
  s.rollback = "nothing to undo (read-only)";
  return s;
}

Step migrate_step(const DataItem& m, int phase, const RunbookOptions& o) {
  Step s;
  s.id = fmt::format("{}.migrate.{}", phase, m.slug());
  s.phase = phase;
  s.title = "migrate " + m.slug();
  s.what = fmt::format(
      "Copies {} from the old server to {} with `rehome migrate {}` (resumable), then compares the content "
      "of both sides.",
      m.slug(), m.to_server, m.engine);
  // The copy's own proof (`--json`) is kept as evidence for the report; its state file makes a re-run
  // after an interruption resume rather than start over. The applications start on the new database
  // right after the move, so postgres's planner statistics are gathered by the copy (`--analyze`).
  std::string evidence = fmt::format("{}/evidence/migrate-{}.json", o.workdir, m.slug());
  // The mover reads the password from PGPASSWORD / REDISCLI_AUTH / MYSQL_PWD: none in its argv.
  const auto [rehome, from, to] = mover_argv(m, o.rehome);
  std::string copy = fmt::format(
      "mkdir -p {0}/evidence {0}/migrate && {1} migrate {2} --from \"{3}\" --to \"{4}\"{5} --state "
      "{0}/migrate/{6}.state.json{7} --json > {8}.part && mv {8}.part {8}",
      o.workdir, rehome, m.engine, from, to, copy_flags(m, o.copy), m.slug(),
      m.engine == "postgres" ? " --analyze" : "", evidence);
  if (m.engine == "postgres") {
    // The target database must exist (empty) before the copy.
    s.command = fmt::format(
        "{{ {0} -XAtqc \"select 1 from pg_database where datname = '{1}'\" | grep -q 1 || {0} -Xqc "
        "'CREATE DATABASE \"{1}\"'; }} && {2}",
        pg(m, "psql", admin_url(m)), m.database, copy);
    s.verify =
        compare_outputs(kPostgresChecksumSql, fmt::format("{} -XAtqc \"$q\"", pg(m, "psql", m.from_url)),
                        fmt::format("{} -XAtqc \"$q\"", pg(m, "psql", m.to_url)));
    s.rollback = fmt::format(
        "the old database is untouched and still serves the applications; drop the copy: {} -c "
        "'DROP DATABASE IF EXISTS \"{}\"'",
        pg(m, "psql", admin_url(m)), m.database);
  } else if (m.engine == "mariadb") {
    s.command = copy;
    // Each server lists the same tables, then CHECKSUM TABLE of every one on both.
    s.verify = fmt::format(
        "q={}; t=\"$({} -N -e \"$q\")\" && a=\"$({} -N -e \"$t\")\" && b=\"$({} -N -e "
        "\"$t\")\" && [ \"$a\" = \"$b\" ]",
        shell_quote(kMariadbChecksumSql), m.from_cli, m.from_cli, m.to_cli);
    s.rollback =
        "the old database is untouched and still serves the applications; drop the copied databases on the "
        "new server (" +
        m.to_server + ") before a new copy";
  } else {
    s.command = copy;
    // Keys under _rehome: are rehome's own (the mover's run record, _rehome:migrate:run), not the data.
    s.verify = fmt::format(
        "a=\"$({0} --scan | grep -v '^_rehome:' | sort | sha256sum)\" && b=\"$({1} --scan | grep -v "
        "'^_rehome:' | sort | "
        "sha256sum)\" && [ \"$a\" = \"$b\" ]",
        m.from_cli, m.to_cli);
    s.rollback = fmt::format(
        "the old redis is untouched and still serves the applications; empty the copy: {} flushall",
        m.to_cli);
  }
  return s;
}

}  // namespace rehome::runbook
