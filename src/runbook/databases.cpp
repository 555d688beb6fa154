#include "runbook/databases.hpp"

#include <fmt/format.h>

#include "common/error.hpp"
#include "runbook/reach.hpp"
#include "runbook/shell.hpp"

namespace rehome::runbook {
namespace {

bool movable(const model::Service& s) {
  return s.data && !s.data->replica_of && (s.data->engine == "postgres" || s.data->engine == "redis");
}

int default_port(const std::string& engine) { return engine == "redis" ? 6379 : 5432; }

// The port the old server publishes the engine on (estate ports), else the engine's default.
int published_port(const model::Service& s) {
  int engine_port = default_port(s.data->engine);
  for (const auto& p : s.ports)
    if (p.target == engine_port && p.published) return p.published;
  for (const auto& p : s.ports)
    if (p.published) return p.published;
  return engine_port;
}

std::string redis_cli(const model::Service& s, const std::string& side, const std::string& address,
                      int port) {
  std::string v = variable_prefix(s.name);
  return fmt::format(
      "REDISCLI_AUTH=\"${{{0}_PASSWORD}}\" redis-cli -h ${{{0}_{1}_HOST:-{2}}} -p ${{{0}_{1}_PORT:-{3}}}", v,
      side, address, port);
}

std::string url(const model::Service& s, const std::string& side, const std::string& address, int port,
                const std::string& database) {
  std::string v = variable_prefix(s.name);
  std::string host = fmt::format("${{{}_{}_HOST:-{}}}:${{{}_{}_PORT:-{}}}", v, side, address, v, side, port);
  if (s.data->engine == "redis") return fmt::format("redis://${{{0}_PASSWORD:+:${0}_PASSWORD@}}{1}", v, host);
  return fmt::format("postgres://${{{0}_USER:-postgres}}${{{0}_PASSWORD:+:${0}_PASSWORD}}@{1}/{2}", v, host,
                     database);
}

// Per table, a checksum of its rows in a stable order: equal output on both sides = same content.
constexpr const char* kPostgresChecksumSql =
    "select table_schema||'.'||table_name||' '||(xpath('/row/c/text()', query_to_xml(format("
    "'select count(*)||'':''||md5(coalesce(string_agg(t::text, ''|'' order by t::text), '''')) as c "
    "from %I.%I t', table_schema, table_name), false, true, '')))[1]::text "
    "from information_schema.tables where table_type = 'BASE TABLE' "
    "and table_schema not in ('pg_catalog', 'information_schema') order by 1";

std::string compare_outputs(const std::string& query, const std::string& left, const std::string& right) {
  return fmt::format("q={}; a=\"$({})\" && b=\"$({})\" && [ \"$a\" = \"$b\" ]", shell_quote(query), left,
                     right);
}

}  // namespace

std::string DatabaseMove::slug() const { return database.empty() ? service : service + "." + database; }

std::vector<DatabaseMove> database_moves(const model::Estate& estate, const plan::Plan& plan,
                                         const model::Server& old_server) {
  std::vector<DatabaseMove> out;
  for (const auto& s : estate.services) {
    if (!movable(s)) continue;
    auto servers = plan.servers_of(s.name);
    if (servers.empty())
      throw UserError(
          fmt::format("{}: the plan places no replica of database service '{}'", plan.where.str(), s.name),
          "add it to the plan (rehome plan writes a complete one), or remove it from the estate");
    const model::Server* target = estate.find_server(servers.front());
    if (!target)
      throw UserError(fmt::format("{}: the plan places '{}' on '{}', which is not a server of the estate",
                                  plan.where.str(), s.name, servers.front()),
                      "use a server name from the estate's servers list");
    int port = published_port(s);
    std::vector<std::string> names = s.data->databases;
    if (s.data->engine == "redis")
      names = {""};
    else if (names.empty())
      names = {"postgres"};
    for (const auto& db : names)
      out.push_back({s.name, s.data->engine, db, url(s, "OLD", old_server.address, port, db),
                     url(s, "NEW", target->address, runner_port(s.data->engine), db), target->name,
                     redis_cli(s, "OLD", old_server.address, port),
                     redis_cli(s, "NEW", target->address, runner_port(s.data->engine))});
  }
  return out;
}

std::vector<std::string> unsupported_databases(const model::Estate& estate) {
  std::vector<std::string> out;
  for (const auto& s : estate.services)
    if (s.data && !s.data->replica_of && !movable(s) && s.data->engine != "files")
      out.push_back(s.name + " (" + s.data->engine + ")");
  return out;
}

std::vector<std::string> credential_variables(const model::Estate& estate) {
  std::vector<std::string> out;
  for (const auto& s : estate.services) {
    if (!movable(s)) continue;
    std::string v = variable_prefix(s.name);
    if (s.data->engine == "postgres") out.push_back(v + "_USER");
    out.push_back(v + "_PASSWORD");
  }
  return out;
}

Step backup_step(const DatabaseMove& m, int phase, const std::string& suffix, const RunbookOptions& o) {
  std::string dir = o.workdir + "/backups";
  std::string file = dir + "/" + m.slug() + suffix + (m.engine == "redis" ? ".rdb" : ".dump");
  Step s;
  s.id = fmt::format("{}.backup.{}", phase, m.slug());
  s.phase = phase;
  s.title = "back up " + m.slug();
  std::string dump = m.engine == "redis"
                         ? fmt::format("{} --rdb {}", m.from_cli, file)
                         : fmt::format("pg_dump \"{}\" --format=custom --file={}", m.from_url, file);
  s.what = fmt::format(
      "Dumps {} on the old server to {} and records its SHA-256, so it can be restored whatever "
      "happens next.",
      m.slug(), file);
  s.command = fmt::format("mkdir -p {} && {} && sha256sum {} > {}.sha256", dir, dump, file, file);
  s.verify = fmt::format("sha256sum --check --status {}.sha256 && test -s {}", file, file);
  if (m.engine == "postgres") s.verify += fmt::format(" && pg_restore --list {} > /dev/null", file);
  s.rollback = fmt::format("rm -f {} {}.sha256  # a backup changes nothing on the servers", file, file);
  return s;
}

Step credentials_step(const DatabaseMove& m, int phase, bool new_side) {
  // The new server has no copy of the database yet: connect to its `postgres` database.
  std::string u = new_side ? m.to_url.substr(0, m.to_url.rfind('/')) + "/postgres" : m.from_url;
  Step s;
  s.id = fmt::format("{}.credentials{}.{}", phase, new_side ? "-new" : "", m.slug());
  s.phase = phase;
  s.title = fmt::format("{} accepts the credentials ({} server)", m.slug(), new_side ? "new" : "old");
  s.what = fmt::format("Connects to {} on the {} server with the credentials file's user and password.",
                       m.slug(), new_side ? "new" : "old");
  s.command = m.engine == "redis" ? fmt::format("{} ping | grep -qx PONG", new_side ? m.to_cli : m.from_cli)
                                  : fmt::format("psql \"{}\" -XAtqc 'select 1' > /dev/null", u);
  if (new_side) s.command = retry_until(s.command, 120);
  s.rollback = "nothing to undo (read-only)";
  return s;
}

Step migrate_step(const DatabaseMove& m, int phase, const RunbookOptions& o) {
  Step s;
  s.id = fmt::format("{}.migrate.{}", phase, m.slug());
  s.phase = phase;
  s.title = "migrate " + m.slug();
  s.what = fmt::format(
      "Copies {} from the old server to {} with `rehome migrate {}` (resumable), then compares the content "
      "of "
      "both sides.",
      m.slug(), m.to_server, m.engine);
  // The copy's own proof (`--json`) is kept as evidence for the report; its state file makes a re-run
  // after an interruption resume rather than start over.
  std::string evidence = fmt::format("{}/evidence/migrate-{}.json", o.workdir, m.slug());
  // The applications start on the new database right after the move, so its planner statistics are
  // gathered by the copy (`--analyze`) rather than left to autovacuum's next round.
  std::string copy = fmt::format(
      "mkdir -p {0}/evidence {0}/migrate && {1} migrate {2} --from \"{3}\" --to \"{4}\" --state "
      "{0}/migrate/{5}.state.json{7} --json > {6}.part && mv {6}.part {6}",
      o.workdir, o.rehome, m.engine, m.from_url, m.to_url, m.slug(), evidence,
      m.engine == "postgres" ? " --analyze" : "");
  if (m.engine == "postgres") {
    // The target database must exist (empty) before the copy.
    std::string admin = m.to_url.substr(0, m.to_url.rfind('/')) + "/postgres";
    s.command = fmt::format(
        "{{ psql \"{0}\" -XAtqc \"select 1 from pg_database where datname = '{1}'\" | grep -q 1 || psql "
        "\"{0}\" "
        "-Xqc 'CREATE DATABASE \"{1}\"'; }} && {2}",
        admin, m.database, copy);
  } else {
    s.command = copy;
  }
  if (m.engine == "postgres") {
    s.verify = compare_outputs(kPostgresChecksumSql, fmt::format("psql \"{}\" -XAtqc \"$q\"", m.from_url),
                               fmt::format("psql \"{}\" -XAtqc \"$q\"", m.to_url));
    std::string admin = m.to_url.substr(0, m.to_url.rfind('/')) + "/postgres";
    s.rollback = fmt::format(
        "the old database is untouched and still serves the applications; drop the copy: psql \"{}\" -c "
        "'DROP DATABASE IF EXISTS \"{}\"'",
        admin, m.database);
  } else {
    s.verify = fmt::format(
        "a=\"$({0} dbsize):$({0} --scan | sort | sha256sum)\" && b=\"$({1} dbsize):$({1} --scan | sort | "
        "sha256sum)\" "
        "&& [ \"$a\" = \"$b\" ]",
        m.from_cli, m.to_cli);
    s.rollback = fmt::format(
        "the old redis is untouched and still serves the applications; empty the copy: {} flushall",
        m.to_cli);
  }
  return s;
}

}  // namespace rehome::runbook
