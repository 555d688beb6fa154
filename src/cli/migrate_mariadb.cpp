// `rehome migrate mariadb` (and `rehome migrate mysql`, the same mover):
//
//   rehome migrate mariadb --from mariadb://USER@HOST:PORT[/DB] --to mariadb://USER@HOST:PORT[/DB]
//                          [--databases a,b | --tables db.t,...] [--jobs N] [--chunk-rows N] [--truncate]
//                          [--defaults-file FILE] [--work-dir DIR | --state FILE] [--verify checksum|none]
//                          [--verify-only] [--no-accounts] [--json]
//
// Passwords come from the client library's option files ([client] in ~/.my.cnf, or --defaults-file)
// or MYSQL_PWD; one written inside a URL works but draws a warning (argv is visible in ps).
#include <iostream>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "cli/argv_secrets.hpp"
#include "cli/subcommand.hpp"
#include "common/error.hpp"
#include "common/secrets.hpp"
#include "common/table.hpp"
#include "engines/mariadb_url.hpp"
#include "migrate/mariadb/mariadb_migration.hpp"
#include "migrate/progress.hpp"
#include "model/units.hpp"

namespace rehome::cli {
std::vector<Subcommand>& migrate_subcommands();

namespace {

void print_report(const migrate::MariadbMigrationReport& r) {
  Table table({"table", ">rows", "checksum", "split", ">chunks", ">source size", "ok"});
  int ok_tables = 0;
  int64_t rows = 0;
  for (const auto& t : r.tables) {
    std::string name =
        t.source == t.target ? t.source.display() : t.source.display() + " -> " + t.target.display();
    table.add_row({name, migrate::format_thousands(t.source_rows),
                   r.content_proven ? t.source_checksum : "not verified", t.split, std::to_string(t.chunks),
                   model::format_bytes(t.source_bytes), t.ok() ? "✓" : "✗"});
    ok_tables += t.ok() ? 1 : 0;
    rows += t.source_rows;
  }
  std::cout << table.render();
  std::map<std::string, std::pair<int, int>> kinds;  // kind -> (ok, total)
  for (const auto& o : r.objects) {
    auto& k = kinds[o.kind];
    k.first += o.on_target ? 1 : 0;
    ++k.second;
  }
  std::string objects;
  for (const auto& [kind, n] : kinds)
    objects += fmt::format("{}{} {}/{}", objects.empty() ? "" : ", ", kind, n.first, n.second);
  std::cout << fmt::format("\n{}: {}/{} tables {}, {} rows, objects: {}{}\n", r.selection, ok_tables,
                           r.tables.size(), ok_tables == static_cast<int>(r.tables.size()) ? "✓" : "✗",
                           migrate::format_thousands(rows), objects.empty() ? "none" : objects,
                           r.already_complete ? " (already complete: verified again)"
                           : r.resumed        ? " (resumed after an interruption)"
                                              : "");
  std::cout << fmt::format("snapshot: {} at {}, source read-locked {:.2f} s\n", r.source_identity,
                           r.binlog_position, r.lock_seconds);
  if (r.resumed) {
    std::cout << fmt::format(
        "resumed: {} chunks copied before were proven again against this run's new snapshot, {} of them "
        "differed "
        "(the source changed) and were copied again; {} chunk copies in this run\n",
        r.units_reverified, r.units_recopied, r.units_copied_now);
  }
  if (!r.content_proven) std::cout << "content not verified (--verify none): row counts only\n";
  std::cout << fmt::format(
      "time: schema {:.1f} s, copy and proof {:.1f} s ({} rows), objects {:.1f} s, total {:.1f} s\n"
      "worker time: copying {:.1f} s, proving {:.1f} s\n",
      r.schema_seconds, r.copy_seconds, migrate::format_thousands(r.rows_copied), r.objects_seconds,
      r.total_seconds, r.copy_work_seconds, r.verify_work_seconds);
  for (const auto& n : r.notes) std::cout << "  note: " << n << "\n";
  for (const auto& p : r.problems()) std::cout << "  ✗ " << p << "\n";
}

Runner setup(CLI::App& app) {
  auto options = std::make_shared<migrate::MariadbMigrationOptions>();
  auto tables = std::make_shared<std::string>();
  auto databases = std::make_shared<std::string>();
  auto state = std::make_shared<std::string>();
  auto work_dir = std::make_shared<std::string>("rehome-work");
  auto verify = std::make_shared<std::string>("checksum");
  auto no_accounts = std::make_shared<bool>(false);
  auto json_out = std::make_shared<bool>(false);
  app.add_option("--from", options->from,
                 "source URL: mariadb://user@host:3306[/db] or mysql://...; no db: every user database")
      ->required();
  app.add_option("--to", options->to, "target URL; a db renames the one source database")->required();
  app.add_option("--databases", *databases, "only these source databases (a,b)");
  app.add_option("--tables", *tables, "only these tables (db.t,db.u; unqualified: the --from database)");
  app.add_option("--jobs,-j", options->jobs, "parallel connections on each side")->capture_default_str();
  app.add_option("--chunk-rows", options->chunk_rows,
                 "rows per key range of a big table (default: from the sizes and --jobs)");
  app.add_flag("--truncate", options->truncate,
               "drop what a non-empty target holds of the migrated tables first");
  app.add_option("--defaults-file", options->defaults_file,
                 "option file with [client] user/password for both servers (default: the client library's, "
                 "~/.my.cnf; MYSQL_PWD also works)");
  app.add_option("--work-dir", *work_dir, "folder of the resume state")->capture_default_str();
  app.add_option("--state", *state,
                 "state file for resuming (default: <work-dir>/mariadb-<db>-<hash>.state.json)");
  app.add_option("--verify", *verify,
                 "checksum: every key range counted and hashed in both servers; none: row counts only")
      ->check(CLI::IsMember({"checksum", "none"}))
      ->capture_default_str();
  app.add_flag(
      "--verify-only", options->verify_only,
      "compare the source with the target by key ranges (a later check before cutover); copy nothing");
  app.add_flag("--no-accounts", *no_accounts, "do not copy the accounts holding privileges on the databases");
  app.add_flag("--json", *json_out, "print a JSON summary");
  return [=]() {
    migrate::MariadbMigrationOptions run = *options;
    auto from = engines::parse_mariadb_url(run.from, "--from");
    engines::parse_mariadb_url(run.to, "--to");
    if (!tables->empty() && !databases->empty())
      throw UserError("--tables and --databases exclude each other", "give one of them");
    run.tables = migrate::parse_mariadb_tables(*tables, from.database);
    run.databases = migrate::parse_mariadb_databases(*databases);
    run.state_file = *state;
    run.work_dir = *work_dir;
    run.verify = *verify == "checksum";
    run.users = !*no_accounts;
    warn_if_password_in_argv("--from", run.from);
    warn_if_password_in_argv("--to", run.to);
    run.on_step = [](const std::string& line) { std::cerr << line << "\n"; };
    run.on_progress = [](const migrate::Progress& p) { std::cerr << migrate::format_progress(p) << "\n"; };
    run.progress_interval = std::chrono::milliseconds(10000);
    std::cerr << fmt::format("migrate {} -> {}\n", mask_url(run.from), mask_url(run.to));
    auto report = migrate::migrate_mariadb(run);
    if (*json_out)
      std::cout << migrate::to_json(report).dump(2) << "\n";
    else
      print_report(report);
    return report.verified() ? exit_code::ok : exit_code::findings;
  };
}

const bool registered = [] {
  migrate_subcommands().push_back(
      {"mariadb",
       "copy MariaDB databases with views, routines, triggers, events, accounts; proven per key range",
       setup});
  migrate_subcommands().push_back({"mysql", "the same as migrate mariadb, for MySQL servers", setup});
  return true;
}();

}  // namespace
}  // namespace rehome::cli
