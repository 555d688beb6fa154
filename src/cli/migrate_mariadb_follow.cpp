// `rehome migrate mariadb --follow | --cutover | --lag | --stop-follow` (cli/migrate_mariadb_follow.hpp):
// thin, the work is in migrate/mariadb/follow.cpp.
#include "cli/migrate_mariadb_follow.hpp"

#include <csignal>

#include <atomic>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/subcommand.hpp"
#include "common/error.hpp"
#include "common/table.hpp"
#include "migrate/progress.hpp"
#include "model/units.hpp"

namespace rehome::cli {
namespace {

using nlohmann::json;

std::atomic<bool> stop_requested{false};
extern "C" void on_stop_signal(int) { stop_requested = true; }

json stats_json(const migrate::MariadbApplyStats& s) {
  return {{"from", s.from.text()},
          {"to", s.to.text()},
          {"transactions", s.transactions},
          {"statements", s.statements},
          {"skipped_statements", s.skipped_statements},
          {"ddl", s.ddl},
          {"seconds", s.seconds},
          {"notes", s.notes}};
}

int print_cutover(const migrate::MariadbCutoverReport& r, bool json_out) {
  if (json_out) {
    std::cout << json{{"kind", "mariadb-cutover"},
                      {"source", r.source},
                      {"target", r.target},
                      {"follow", r.name},
                      {"verified", r.verified()},
                      {"dropped", r.dropped},
                      {"problems", r.problems()},
                      {"freeze_position", r.freeze_position.text()},
                      {"applied_at_start", r.applied_at_start.text()},
                      {"lag_bytes_at_start", r.lag_bytes_at_start},
                      {"follower_was_running", r.follower_was_running},
                      {"applied", stats_json(r.applied)},
                      {"seconds",
                       {{"catch_up", r.catch_up_seconds},
                        {"window", r.window_seconds},
                        {"verify", r.verify_seconds},
                        {"verified", r.verified_seconds},
                        {"cleanup", r.cleanup_seconds}}},
                      {"proof", migrate::to_json(r.proof)}}
                     .dump(2)
              << "\n";
  } else {
    Table table({"table", ">rows", "checksum", ">chunks", "ok"});
    for (const auto& t : r.proof.tables)
      table.add_row({t.target.display(), migrate::format_thousands(t.source_rows), t.source_checksum,
                     std::to_string(t.chunks), t.ok() ? "✓" : "✗"});
    std::cout << table.render();
    std::cout << fmt::format(
        "\nwrite-freeze window {:.2f} s (writers stopped -> target writable: caught up from {} to the freeze "
        "position {}, {} behind, {} transactions{}); verified after {:.2f} s (proof {:.2f} s, every table by "
        "key "
        "ranges); cleanup {:.2f} s\n",
        r.window_seconds, r.applied_at_start.text(), r.freeze_position.text(),
        model::format_bytes(r.lag_bytes_at_start), r.applied.transactions,
        r.follower_was_running ? ", by the running follower" : "", r.verified_seconds, r.verify_seconds,
        r.cleanup_seconds);
    for (const auto& n : r.applied.notes) std::cout << "  note: " << n << "\n";
    for (const auto& p : r.problems()) std::cout << "  ✗ " << p << "\n";
    if (!r.verified())
      std::cout << fmt::format(
          "the follow {} is kept: stop every writer and run the cutover again, or --stop-follow\n", r.name);
  }
  return r.verified() ? exit_code::ok : exit_code::findings;
}

}  // namespace

int run_mariadb_follow_action(FollowAction action, const migrate::MariadbFollowOptions& options,
                              bool json_out) {
  switch (action) {
    case FollowAction::cutover:
      return print_cutover(migrate::mariadb_cutover(options), json_out);
    case FollowAction::lag: {
      auto l = migrate::mariadb_follow_lag(options);
      if (json_out) {
        std::cout << json{{"kind", "mariadb-follow-lag"},
                          {"source_position", l.source.text()},
                          {"applied_position", l.applied.text()},
                          {"bytes_behind", l.bytes_behind},
                          {"transactions", l.transactions},
                          {"running", l.running},
                          {"seconds_since_apply", l.seconds_since_apply}}
                         .dump(2)
                  << "\n";
      } else {
        Table table({"source at", "target applied", ">behind", ">transactions applied", "follower running"});
        table.add_row({l.source.text(), l.applied.text(), model::format_bytes(l.bytes_behind),
                       migrate::format_thousands(l.transactions), l.running ? "yes" : "NO"});
        std::cout << table.render();
        if (!l.running)
          std::cout
              << "no follower runs: start it again with --follow (it resumes at the applied position), or "
                 "--cutover applies the rest itself\n";
      }
      return l.running ? exit_code::ok : exit_code::findings;
    }
    case FollowAction::stop: {
      auto done = migrate::stop_mariadb_follow(options);
      if (json_out) {
        std::cout << json{{"kind", "mariadb-follow-stopped"}, {"stopped", done}}.dump(2) << "\n";
      } else {
        for (const auto& line : done) std::cout << "stopped: " << line << "\n";
        if (done.empty()) std::cout << "nothing to stop: no follow of this migration exists\n";
      }
      return exit_code::ok;
    }
  }
  return exit_code::bad_input;
}

int run_mariadb_follow(const migrate::MariadbMigrationOptions& migration,
                       migrate::MariadbFollowOptions options, bool json_out,
                       const std::function<void(const migrate::MariadbMigrationReport&)>& print_copy) {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  options.interrupted = [] { return stop_requested.load(); };
  auto run = migrate::copy_and_follow(migration, options, print_copy);
  if (run.copy && !run.copy->verified()) return exit_code::findings;
  const auto& s = run.applied;
  if (json_out) {
    json out{{"kind", "mariadb-follow"},
             {"resumed", run.resumed},
             {"warnings", run.warnings},
             {"applied", stats_json(s)}};
    if (run.copy) out["copy"] = migrate::to_json(*run.copy);
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << fmt::format(
        "follow stopped at {}: {} transactions applied in {:.1f} s ({} row statements, {} DDL, {} passed "
        "over: "
        "other databases); run --follow again to resume, --cutover once the writers stopped\n",
        s.to.text(), s.transactions, s.seconds, s.statements, s.ddl, s.skipped_statements);
    for (const auto& n : s.notes) std::cout << "  note: " << n << "\n";
  }
  return exit_code::ok;
}

}  // namespace rehome::cli
