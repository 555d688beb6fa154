// `rehome migrate <engine>`: move a database to another server, with proof.
//
//   rehome migrate postgres --from URL --to URL [--tables a,b | --schema s] [--jobs N] [--truncate]
//                           [--state FILE] [--keep-owners] [--verify stream|readback|server|none] [--analyze]
//                           [--follow [--replica-identity-full] [--source-from-target URL]] [--json]
//   rehome migrate postgres --from URL --to URL [selection] --cutover | --lag | --stop-follow [--json]
//   rehome migrate redis    --from URL --to URL [--db N|all] [--state FILE] [--method auto|dump] [--json]
//
// Adding a sub-subcommand (e.g. `rehome migrate run` from another file): include cli/shared.hpp
// and register from a static initializer in your own file:
//     static bool added = (rehome::cli::migrate_subcommands().push_back({"run", "description",
//                            [](CLI::App& app) -> rehome::cli::Runner { ...; return [=] { return 0; }; }}),
//                            true);
// Setup functions run in main(), after every static initializer, so the order of files does not matter.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/argv_secrets.hpp"
#include "cli/migrate_follow.hpp"
#include "cli/shared.hpp"
#include "cli/subcommand.hpp"
#include "common/error.hpp"
#include "common/secrets.hpp"
#include "common/table.hpp"
#include "migrate/postgres/migration.hpp"
#include "migrate/progress.hpp"
#include "migrate/redis/migration.hpp"
#include "model/units.hpp"

namespace rehome::cli {

std::vector<Subcommand>& migrate_subcommands() {
  static std::vector<Subcommand> subcommands;
  return subcommands;
}

namespace {

// Progress on stderr: one line rewritten in place on a terminal, a plain line every 10 s otherwise.
struct ProgressPrinter {
  bool terminal = ::isatty(2) != 0;
  bool dirty = false;
  std::chrono::milliseconds interval() const {
    return terminal ? std::chrono::milliseconds(500) : std::chrono::milliseconds(10000);
  }
  void show(const migrate::Progress& p) {
    std::string line = migrate::format_progress(p);
    if (terminal) {
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
      dirty = true;
    } else {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
  }
  void step(const std::string& line) {
    if (dirty) std::fprintf(stderr, "\r\033[K");
    dirty = false;
    std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
  }
};

std::string check_mark(bool ok) { return ok ? "✓" : "✗"; }

void print_postgres(const migrate::PgMigrationReport& r) {
  if (!r.crossing_keys.empty()) {
    std::cout << "Foreign keys crossing the cut (not created in the new database; the application must keep "
                 "these references consistent itself):\n";
    Table keys({"constraint", "from", "to", "note"});
    for (const auto& c : r.crossing_keys) {
      keys.add_row({c.key.name, c.key.from.display(), c.key.to.display(),
                    c.outgoing ? "migrated table refers to one left behind"
                               : "left-behind table refers to a migrated one"});
    }
    std::cout << keys.render() << "\n";
  }
  Table table({"table", ">rows", "checksum", "proof", ">source size", ">target size", "ok"});
  int64_t rows = 0;
  int ok_tables = 0;
  std::map<std::string, int> proofs;
  std::vector<std::string> reread;
  for (const auto& t : r.tables) {
    table.add_row({t.table.display(), migrate::format_thousands(t.source_rows),
                   r.content_proven ? t.source_checksum.substr(16) : "not verified",
                   migrate::verify_mode_name(t.proof), model::format_bytes(t.source_bytes),
                   t.target_rows < 0 ? "missing" : model::format_bytes(t.target_bytes), check_mark(t.ok())});
    rows += t.source_rows;
    ok_tables += t.ok() ? 1 : 0;
    ++proofs[migrate::verify_mode_name(t.proof)];
    if (t.reread) reread.push_back(t.table.display());
  }
  std::cout << table.render();
  if (r.content_proven) {
    // stream: the target's in-server hash against rehome's of the source stream; readback: both
    // sides' bytes; server: each server's in-server hash.
    std::vector<std::string> parts;
    for (const auto& [proof, count] : proofs) parts.push_back(fmt::format("{} {}", proof, count));
    std::cout << fmt::format("proof by table: {}\n", fmt::join(parts, ", "));
  }
  if (!reread.empty()) {
    std::cout << fmt::format("read back byte-exact after the stream hashes differed: {}\n",
                             fmt::join(reread, ", "));
  }
  int ok_sequences = 0;
  for (const auto& s : r.sequences) ok_sequences += s.ok() ? 1 : 0;
  std::string database = r.target.substr(r.target.rfind('/') + 1);
  std::cout << fmt::format("\n{}: {}/{} tables {}, {} rows, {}/{} sequences {}{}\n", database, ok_tables,
                           r.tables.size(), check_mark(ok_tables == static_cast<int>(r.tables.size())),
                           migrate::format_thousands(rows), ok_sequences, r.sequences.size(),
                           check_mark(ok_sequences == static_cast<int>(r.sequences.size())),
                           r.resumed ? " (resumed after an interruption)" : "");
  if (!r.content_proven) std::cout << "content not verified (--verify none): row counts only\n";
  std::cout << fmt::format(
      "time: schema {:.1f} s, copy {:.1f} s ({}), indexes {:.1f} s, verify {:.1f} s, total {:.1f} s\n"
      "worker time: copying {:.1f} s, proving {:.1f} s, indexes and ANALYZE {:.1f} s (overlapped)\n",
      r.schema_seconds, r.copy_seconds, model::format_bytes(r.bytes_copied), r.post_data_seconds,
      r.verify_seconds, r.total_seconds, r.copy_work_seconds, r.verify_work_seconds, r.index_work_seconds);
  for (const auto& p : r.problems()) std::cout << "  ✗ " << p << "\n";
  if (!r.follow_slot.empty())
    std::cout << fmt::format(
        "following: the target applies the source's changes (slot {}); stop the writers, "
        "then run the same command with --cutover\n",
        r.follow_slot);
}

Runner setup_postgres(CLI::App& app) {
  auto options = std::make_shared<migrate::PgMigrationOptions>();
  auto tables = std::make_shared<std::string>();
  auto schemas = std::make_shared<std::string>();
  auto state = std::make_shared<std::string>();
  auto json_out = std::make_shared<bool>(false);
  app.add_option(
         "--from", options->from,
         "source database URL (postgresql://user@host:5432/db; the password from ~/.pgpass or PGPASSWORD)")
      ->required();
  app.add_option("--to", options->to, "target database URL; the database must exist and be empty")
      ->required();
  app.add_option("--tables", *tables, "only these tables (a,b,schema.c): database-per-service split");
  app.add_option("--schema", *schemas, "only the tables of these schemas (s1,s2)");
  app.add_option("--jobs,-j", options->jobs, "parallel connections on each side")->capture_default_str();
  app.add_flag("--truncate", options->truncate,
               "drop what a non-empty target holds of the migrated tables first");
  app.add_option("--state", *state,
                 "state file for resuming (default: ./rehome-migrate-<db>-<hash>.state.json)");
  app.add_flag("--keep-owners", options->keep_owners,
               "keep owners and grants (the roles must exist on the target)");
  auto verify = std::make_shared<std::string>("stream");
  app.add_option("--verify", *verify,
                 "stream: the target hashes its rows in SQL, rehome the source's stream the same way; "
                 "readback: hash rows as copied, read the target back (byte-exact); server: each server "
                 "counts and hashes its rows in SQL; none: row counts only")
      ->check(CLI::IsMember({"stream", "readback", "server", "none"}))
      ->capture_default_str();
  app.add_flag("--analyze", options->analyze,
               "ANALYZE each table once built (default: left to autovacuum, like pg_restore)");
  app.add_flag("--follow", options->follow,
               "after the copy, keep the target in sync by logical replication (wal_level = logical)");
  app.add_flag("--replica-identity-full", options->replica_identity_full,
               "--follow: set REPLICA IDENTITY FULL on source tables without a primary key");
  app.add_option("--source-from-target", options->source_from_target,
                 "--follow: the source as the target server reaches it (no password: its own ~/.pgpass)");
  auto action = std::make_shared<std::string>();
  auto* cutover = app.add_flag_callback(
      "--cutover", [action] { *action = "cutover"; },
      "writers stopped: catch up, verify, set sequences, drop the follow");
  auto* lag = app.add_flag_callback(
      "--lag", [action] { *action = "lag"; }, "how far the following target is");
  auto* stop = app.add_flag_callback(
      "--stop-follow", [action] { *action = "stop"; },
      "drop the subscription, slot and publication of --follow");
  cutover->excludes(lag)->excludes(stop);
  lag->excludes(stop);
  app.add_flag("--json", *json_out, "print a JSON summary");
  return [=]() {
    migrate::PgMigrationOptions run = *options;
    warn_if_password_in_argv("--from", run.from);
    warn_if_password_in_argv("--to", run.to);
    warn_if_password_in_argv("--source-from-target", run.source_from_target);
    run.selection = migrate::parse_selection(*tables, *schemas);
    if (!action->empty()) {
      auto printer = std::make_shared<ProgressPrinter>();
      migrate::FollowOptions follow{.from = run.from,
                                    .to = run.to,
                                    .selection = run.selection,
                                    .source_from_target = run.source_from_target,
                                    .jobs = run.jobs,
                                    .on_step = [printer](const std::string& line) { printer->step(line); }};
      return run_postgres_follow(*action == "cutover" ? FollowAction::cutover
                                 : *action == "lag"   ? FollowAction::lag
                                                      : FollowAction::stop,
                                 follow, *json_out);
    }
    run.state_file = *state;
    for (auto mode : {migrate::VerifyMode::stream, migrate::VerifyMode::readback, migrate::VerifyMode::server,
                      migrate::VerifyMode::none}) {
      if (*verify == migrate::verify_mode_name(mode)) run.verify = mode;
    }
    auto printer = std::make_shared<ProgressPrinter>();
    run.progress_interval = printer->interval();
    run.on_progress = [printer](const migrate::Progress& p) { printer->show(p); };
    run.on_step = [printer](const std::string& line) { printer->step(line); };
    printer->step(
        fmt::format("migrate {} -> {} ({})", mask_url(run.from), mask_url(run.to), run.selection.describe()));
    auto report = migrate::migrate_postgres(run);
    if (*json_out)
      std::cout << migrate::to_json(report).dump(2) << "\n";
    else
      print_postgres(report);
    return report.verified() ? exit_code::ok : exit_code::findings;
  };
}

Runner setup_redis(CLI::App& app) {
  auto options = std::make_shared<migrate::RedisMigrationOptions>();
  auto db = std::make_shared<std::string>("all");
  auto state = std::make_shared<std::string>();
  auto json_out = std::make_shared<bool>(false);
  app.add_option("--from", options->from, "source URL (redis://host:6379; the password from REDISCLI_AUTH)")
      ->required();
  app.add_option("--to", options->to, "target URL")->required();
  app.add_option("--db", *db, "one database number, or all")->capture_default_str();
  app.add_option("--state", *state,
                 "state file for resuming (default: ./rehome-migrate-redis-<hash>.state.json)");
  app.add_option("--batch", options->batch,
                 "keys per SCAN step (default: 4000 by value, 1000 per DUMP script)");
  app.add_flag("--truncate", options->truncate, "empty the target databases first if they hold keys");
  app.add_option("--method", options->method,
                 "auto: strings by value (MGET/MSET, PEXPIRE for TTLs), the rest DUMP/RESTORE; "
                 "dump: DUMP/RESTORE for every key")
      ->capture_default_str();
  app.add_flag("--json", *json_out, "print a JSON summary");
  return [=]() {
    migrate::RedisMigrationOptions run = *options;
    warn_if_password_in_argv("--from", run.from);
    warn_if_password_in_argv("--to", run.to);
    run.databases = migrate::parse_redis_db_option(*db);
    run.state_file = *state;
    auto printer = std::make_shared<ProgressPrinter>();
    run.progress_interval = printer->interval();
    run.on_progress = [printer](const migrate::Progress& p) { printer->show(p); };
    run.on_step = [printer](const std::string& line) { printer->step(line); };
    auto report = migrate::migrate_redis(run);
    if (*json_out) {
      std::cout << migrate::to_json(report).dump(2) << "\n";
    } else {
      Table table({">db", ">source keys", ">target keys", ">digest differences", "ok"});
      for (const auto& d : report.databases) {
        table.add_row({std::to_string(d.db), migrate::format_thousands(d.source_keys),
                       migrate::format_thousands(d.target_keys),
                       migrate::format_thousands(d.digest_mismatches), check_mark(d.ok())});
      }
      std::cout << table.render();
      std::cout << fmt::format("\nredis: {} database{} {}, {} keys copied in {:.1f} s ({} keys/s){}\n",
                               report.databases.size(), report.databases.size() == 1 ? "" : "s",
                               check_mark(report.verified()), migrate::format_thousands(report.keys_copied),
                               report.seconds,
                               migrate::format_thousands(static_cast<int64_t>(report.keys_per_second())),
                               report.resumed ? " (resumed after an interruption)" : "");
      for (const auto& p : report.problems()) std::cout << "  ✗ " << p << "\n";
    }
    return report.verified() ? exit_code::ok : exit_code::findings;
  };
}

const bool engines_registered = [] {
  migrate_subcommands().push_back(
      {"postgres", "copy a PostgreSQL database (or some tables) with proof", setup_postgres});
  migrate_subcommands().push_back(
      {"redis", "copy Redis databases (DUMP/RESTORE, TTLs kept) with proof", setup_redis});
  return true;
}();

Register registration{"migrate", "move a database to another server, in parallel, resumable, verified",
                      [](CLI::App& app) -> Runner {
                        app.require_subcommand(1);
                        auto runners = std::make_shared<std::map<CLI::App*, Runner>>();
                        for (auto& sub : migrate_subcommands()) {
                          CLI::App* child = app.add_subcommand(sub.name, sub.description);
                          (*runners)[child] = sub.setup(*child);
                        }
                        return [runners]() {
                          for (auto& [child, run] : *runners) {
                            if (child->parsed() && run) return run();
                          }
                          return exit_code::bad_input;
                        };
                      }};

}  // namespace
}  // namespace rehome::cli
