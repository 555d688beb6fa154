// `rehome migrate postgres --cutover | --lag | --stop-follow` (cli/migrate_follow.hpp): thin, the work is
// in migrate/postgres/catch_up.cpp.
#include "cli/migrate_follow.hpp"

#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/subcommand.hpp"
#include "common/error.hpp"
#include "common/table.hpp"
#include "migrate/postgres/migration.hpp"
#include "model/units.hpp"

namespace rehome::cli {
namespace {

using nlohmann::json;

std::string bytes(int64_t n) { return model::format_bytes(n); }

int print_cutover(const migrate::PgCutoverReport& r, bool json_out) {
  if (json_out) {
    // Each side's figures as [source, target].
    json tables = json::array(), sequences = json::array();
    for (const auto& t : r.tables) {
      tables.push_back({{"table", t.table.display()},
                        {"rows", {t.source_rows, t.target_rows}},
                        {"checksums", {t.source_checksum, t.target_checksum}},
                        {"ok", t.ok()}});
    }
    auto value = [](const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); };
    for (const auto& s : r.sequences) {
      sequences.push_back({{"sequence", s.sequence.display()},
                           {"values", {value(s.source), value(s.target)}},
                           {"ok", s.ok()}});
    }
    std::cout << json{{"kind", "postgres-cutover"},
                      {"source", r.source},
                      {"target", r.target},
                      {"slot", r.slot},
                      {"verified", r.verified()},
                      {"dropped", r.dropped},
                      {"problems", r.problems()},
                      {"lag_bytes_at_start", r.lag_bytes_at_start},
                      {"seconds",
                       {{"catch_up", r.catch_up_seconds},
                        {"sequences", r.sequences_seconds},
                        {"window", r.window_seconds},
                        {"verify", r.verify_seconds},
                        {"verified", r.verified_seconds},
                        {"cleanup", r.cleanup_seconds}}},
                      {"tables", tables},
                      {"sequences", sequences}}
                     .dump(2)
              << "\n";
  } else {
    Table table({"table", ">rows", "checksum", "ok"});
    for (const auto& t : r.tables)
      table.add_row({t.table.display(), std::to_string(t.source_rows), t.source_checksum.substr(16),
                     t.ok() ? "✓" : "✗"});
    std::cout << table.render();
    std::cout << fmt::format(
        "\nwrite-freeze window {:.2f} s (writers stopped -> target writable: catch-up {:.2f} s from {} "
        "behind, "
        "sequences {:.2f} s); verified after {:.2f} s (proof {:.2f} s, on the target as it was when "
        "writable); "
        "cleanup {:.2f} s\n",
        r.window_seconds, r.catch_up_seconds, bytes(r.lag_bytes_at_start), r.sequences_seconds,
        r.verified_seconds, r.verify_seconds, r.cleanup_seconds);
    for (const auto& p : r.problems()) std::cout << "  ✗ " << p << "\n";
    if (!r.verified())
      std::cout << fmt::format(
          "the target still follows the source (slot {}): stop every writer and run the "
          "cutover again, or --stop-follow\n",
          r.slot);
  }
  return r.verified() ? exit_code::ok : exit_code::findings;
}

}  // namespace

int run_postgres_follow(FollowAction action, const migrate::FollowOptions& options, bool json_out) {
  switch (action) {
    case FollowAction::cutover:
      return print_cutover(migrate::finish(options), json_out);
    case FollowAction::lag: {
      auto l = migrate::lag(options);
      if (json_out) {
        std::cout << json{{"kind", "postgres-follow-lag"},  {"source_lsn", l.source_lsn},
                          {"applied_lsn", l.applied_lsn},   {"confirmed_lsn", l.confirmed_lsn},
                          {"bytes_behind", l.bytes_behind}, {"retained_bytes", l.retained_bytes},
                          {"streaming", l.streaming}}
                         .dump(2)
                  << "\n";
      } else {
        Table table({"source at", "target applied", ">behind", ">WAL kept on the source", "streaming"});
        table.add_row({l.source_lsn, l.applied_lsn.empty() ? "nothing yet" : l.applied_lsn,
                       bytes(l.bytes_behind), bytes(l.retained_bytes), l.streaming ? "yes" : "NO"});
        std::cout << table.render();
      }
      return l.streaming ? exit_code::ok : exit_code::findings;
    }
    case FollowAction::stop: {
      auto dropped = migrate::drop_follow(options);
      if (json_out) {
        std::cout << json{{"kind", "postgres-follow-stopped"}, {"dropped", dropped}}.dump(2) << "\n";
      } else {
        for (const auto& line : dropped) std::cout << "dropped the " << line << "\n";
        if (dropped.empty()) std::cout << "nothing to drop: no follow of this migration exists\n";
      }
      return exit_code::ok;
    }
  }
  return exit_code::bad_input;
}

}  // namespace rehome::cli
