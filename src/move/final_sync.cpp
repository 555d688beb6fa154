// The movers' passes, called in process (the seams of final_sync.hpp).
#include "move/final_sync.hpp"

#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/error.hpp"
#include "engines/postgres.hpp"
#include "engines/postgres_url.hpp"
#include "migrate/mariadb/mariadb_follow.hpp"
#include "migrate/mariadb/mariadb_migration.hpp"
#include "migrate/postgres/catch_up.hpp"
#include "migrate/postgres/migration.hpp"
#include "migrate/redis/migration.hpp"
#include "migrate/volume/volume_migration.hpp"
#include "move/data_commands.hpp"

namespace rehome::move {
namespace {

std::filesystem::path state_file(const MoveOptions& o, const DataItem& d, const std::string& pass) {
  std::filesystem::path p = mover_state_file(o, d, pass);
  std::filesystem::create_directories(p.parent_path());
  return p;
}

PassResult postgres(const MoveOptions& o, const DataItem& d, const runbook::Env& env, const std::string& pass,
                    bool truncate, bool follow = false) {
  migrate::PgMigrationOptions m;
  m.from = expand_variables(d.from_url, env);
  m.to = expand_variables(d.to_url, env);
  m.jobs = o.jobs;
  m.truncate = truncate;
  m.follow = follow;
  m.state_file = state_file(o, d, pass);
  auto r = migrate::migrate_postgres(m);
  return {r.verified(), r.problems(),
          fmt::format("{} rows, {} tables, proof {}{}{}", r.rows_copied, r.tables.size(),
                      r.content_proven ? "checksums" : "row counts",
                      r.already_complete ? " (verified again)" : "",
                      r.follow_slot.empty() ? ""
                                            : "; the target follows the source (slot " + r.follow_slot +
                                                  "): the final sync is its cutover"),
          r.total_seconds};
}

migrate::FollowOptions follow_options(const MoveOptions& o, const DataItem& d, const runbook::Env& env) {
  migrate::FollowOptions f;
  f.from = expand_variables(d.from_url, env);
  f.to = expand_variables(d.to_url, env);
  f.jobs = o.jobs;
  return f;
}

migrate::MariadbFollowOptions mariadb_follow_options(const MoveOptions& o, const DataItem& d,
                                                     const runbook::Env& env) {
  return {.from = expand_variables(d.from_url, env), .to = expand_variables(d.to_url, env), .jobs = o.jobs};
}

// `follow`: after a verified copy, record the binlog follow at its snapshot (the final sync's cutover).
PassResult mariadb(const MoveOptions& o, const DataItem& d, const runbook::Env& env, const std::string& pass,
                   bool truncate, bool verify_only, const migrate::MariadbFollowOptions* follow = nullptr) {
  migrate::MariadbMigrationOptions m;
  m.from = expand_variables(d.from_url, env);
  m.to = expand_variables(d.to_url, env);
  m.jobs = o.jobs;
  m.truncate = truncate;
  m.verify_only = verify_only;
  m.work_dir = o.work_dir;
  m.state_file = state_file(o, d, pass);
  auto r = migrate::migrate_mariadb(m);
  int64_t compared = 0;
  for (const auto& t : r.tables) compared += t.source_rows;
  PassResult out{
      r.verified(), r.problems(),
      verify_only
          ? fmt::format("{} rows in {} tables compared, nothing copied", compared, r.tables.size())
          : fmt::format("{} rows in {} tables, {} compared, {}", r.rows_copied, r.tables.size(), compared,
                        r.binlog_position.rfind("binlog", 0) == 0 ? r.binlog_position
                                                                  : "binlog at " + r.binlog_position),
      r.total_seconds};
  if (follow && r.verified()) {
    migrate::require_follow_source(*follow, migrate::parse_binlog_position(r.binlog_position));
    migrate::start_mariadb_follow(*follow, r);
    out.follows = true;
    out.summary +=
        "; the target follows the source's binlog from the copy's snapshot: the final sync is "
        "its cutover";
  }
  return out;
}

// The copy of a MariaDB item: when the source can be followed, the copy records the binlog follow (the
// final sync is then its cutover); else it says why the final sync stays a whole pass.
PassResult mariadb_copy(const MoveOptions& o, const DataItem& d, const runbook::Env& env) {
  const auto f = mariadb_follow_options(o, d, env);
  migrate::FollowCheck check;
  try {
    check = migrate::check_follow_source(f);
  } catch (const std::exception& e) {
    check.problems.push_back(e.what());  // unreachable: the copy itself says why
  }
  PassResult r = mariadb(o, d, env, "copy", false, false, check.ok() ? &f : nullptr);
  if (!check.ok())
    r.summary += "; the final sync is a whole pass, the binlog cannot be used: " + check.problems.front();
  else if (!check.warnings.empty())
    r.summary += "; warning: " + check.warnings.front();
  return r;
}

PassResult redis(const MoveOptions& o, const DataItem& d, const runbook::Env& env, const std::string& pass,
                 bool truncate) {
  migrate::RedisMigrationOptions m;
  m.from = expand_variables(d.from_url, env);
  m.to = expand_variables(d.to_url, env);
  m.truncate = truncate;
  m.state_file = state_file(o, d, pass);
  auto r = migrate::migrate_redis(m);
  int64_t compared = 0;
  for (const auto& db : r.databases) compared += db.source_keys;
  return {r.verified(), r.problems(), fmt::format("{} keys copied, {} compared", r.keys_copied, compared),
          r.seconds};
}

PassResult volume(const MoveOptions& o, const DataItem& d, const runbook::Env& env, const std::string& pass) {
  const auto ends = runbook::volume_ends(d);
  migrate::volume::VolumeMigrationOptions m;
  m.from = {expand_variables(ends.from_engine, env), ends.from_volume, ends.from_path};
  m.to = {expand_variables(ends.to_engine, env), ends.to_volume, ends.to_path};
  m.state_file = state_file(o, d, pass);
  return volume_pass_result(migrate::volume::migrate_volume(m), pass);
}

}  // namespace

PassResult volume_pass_result(const migrate::volume::VolumeMigrationReport& r, const std::string& pass) {
  std::vector<std::string> problems;
  for (const auto& x : r.mismatches) problems.push_back(x.path + ": " + x.what);
  std::string summary = fmt::format("pass {}: {} files, {} bytes sent, {} files on the target", r.pass,
                                    r.sent_files, r.sent_bytes, r.target.files);
  // The copy runs before the freeze: a volume its old writers still write into cannot end equal, and
  // need not. What they wrote during the pass is the final sync's, which runs with them stopped and
  // must prove the volume equal. Only the source's own writers excuse a difference; any on the target
  // side, or none running, and a difference fails the step.
  std::vector<std::string> source_writers;
  bool target_writers = false;
  for (const auto& w : r.writers) {
    if (w.side == "source") source_writers.push_back(w.container);
    target_writers = target_writers || w.side == "target";
  }
  if (pass == "copy" && !r.verified() && !r.mismatches.empty() && !source_writers.empty() &&
      !target_writers) {
    summary += fmt::format(
        "; {} file(s) changed while copying (written by {}): the final sync, with the writers "
        "stopped, carries them and proves the volume",
        r.mismatches.size(), fmt::join(source_writers, ", "));
    return {true, {}, summary, r.seconds};
  }
  return {r.verified(), problems, summary, r.seconds};
}

PgSync choose_postgres_sync(const std::optional<std::string>& wal_level) {
  if (!wal_level) return PgSync::undecided;
  return *wal_level == "logical" ? PgSync::follow : PgSync::whole_pass;
}

PgSync postgres_sync(const MoveOptions& o, const DataItem& d) {
  if (d.engine != "postgres") return PgSync::whole_pass;
  auto it = o.postgres_wal_level.find(d.slug());
  return choose_postgres_sync(it == o.postgres_wal_level.end() ? std::nullopt
                                                               : std::optional<std::string>(it->second));
}

std::optional<std::string> postgres_wal_level(const DataItem& d, const runbook::Env& env) {
  try {
    engines::PgConnection source(engines::parse_pg_url(expand_variables(d.from_url, env), "--from"),
                                 "source");
    return source.scalar("SHOW wal_level");
  } catch (const std::exception&) {
    return std::nullopt;  // unreachable: the copy itself says why
  }
}

MariadbSync choose_mariadb_sync(const std::optional<std::string>& problem) {
  if (!problem) return MariadbSync::undecided;
  return problem->empty() ? MariadbSync::binlog : MariadbSync::whole_pass;
}

MariadbSync mariadb_sync(const MoveOptions& o, const DataItem& d) {
  if (d.engine != "mariadb") return MariadbSync::whole_pass;
  auto it = o.mariadb_binlog_problem.find(d.slug());
  return choose_mariadb_sync(it == o.mariadb_binlog_problem.end() ? std::nullopt
                                                                  : std::optional<std::string>(it->second));
}

std::optional<std::string> mariadb_binlog_problem(const MoveOptions& o, const DataItem& d,
                                                  const runbook::Env& env) {
  try {
    auto check = migrate::check_follow_source(mariadb_follow_options(o, d, env), std::nullopt, false);
    return check.ok() ? "" : check.problems.front();
  } catch (const std::exception&) {
    return std::nullopt;  // unreachable: the copy decides
  }
}

void probe_sources(MoveOptions& o, const std::vector<DataItem>& items, const runbook::Env& env) {
  for (const auto& d : items) {
    if (d.engine == "postgres") {
      if (auto w = postgres_wal_level(d, env)) o.postgres_wal_level[d.slug()] = *w;
    } else if (d.engine == "mariadb") {
      if (auto p = mariadb_binlog_problem(o, d, env)) o.mariadb_binlog_problem[d.slug()] = *p;
    }
  }
}

std::string final_sync_method(const std::string& engine, PgSync sync) {
  if (engine == "volume") return "the volume mover's incremental pass (only files changed since the copy)";
  if (engine == "postgres") {
    if (sync == PgSync::follow)
      return "the logical-replication cutover (the source runs wal_level = logical, so the copy left the "
             "target following it): a marker written after the writers stopped, applied on the target, the "
             "sequences set, every table proven, then the slot, publication and subscription dropped; the "
             "freeze lasts as long as the lag, not the database (final_sync_postgres)";
    if (sync == PgSync::whole_pass)
      return "a whole verified pass (the source does not run wal_level = logical, so no logical-replication "
             "catch-up: the freeze grows with the database; final_sync_postgres)";
    return "the logical-replication cutover when the source runs wal_level = logical (checked when the copy "
           "runs), else a whole verified pass (final_sync_postgres)";
  }
  if (engine == "mariadb")
    return "the binlog cutover when the source can be followed (log_bin on, binlog_format ROW, REPLICATION "
           "SLAVE and BINLOG MONITOR on the source, BINLOG REPLAY on the target; checked when the copy runs, "
           "which then records the follow and starts its follower): the binlog applied from the follower's "
           "position to the source's position at the freeze, every table proven, the follow dropped; else a "
           "whole verified pass (final_sync_mariadb)";
  return "a whole pass, every key compared";
}

std::string final_sync_method(const MoveOptions& o, const DataItem& d) {
  if (d.engine != "mariadb") return final_sync_method(d.engine, postgres_sync(o, d));
  switch (mariadb_sync(o, d)) {
    case MariadbSync::binlog:
      return "the binlog cutover (the source can be followed, so the copy recorded the follow at its "
             "snapshot's binlog position and a follower has applied the binlog since): the rest applied up "
             "to "
             "the source's position at the freeze, every table proven, the follow dropped; the freeze lasts "
             "as long as the follower's lag, not the database (final_sync_mariadb)";
    case MariadbSync::whole_pass:
      return "a whole verified pass, because the binlog cannot be used: " +
             o.mariadb_binlog_problem.at(d.slug()) +
             " (the freeze grows with the database; final_sync_mariadb)";
    case MariadbSync::undecided:
      break;
  }
  return final_sync_method(d.engine);
}

PassResult copy_pass(const MoveOptions& o, const DataItem& d, const runbook::Env& env) {
  if (d.engine == "postgres") {
    // The source decides now, whatever the dry run assumed: a follow needs wal_level = logical.
    const auto wal_level = postgres_wal_level(d, env);
    const bool follow = choose_postgres_sync(wal_level) == PgSync::follow;
    PassResult r = postgres(o, d, env, "copy", false, follow);
    if (!follow && wal_level)
      r.summary += "; the source runs wal_level = " + *wal_level + ": the final sync is a whole pass";
    return r;
  }
  if (d.engine == "mariadb") return mariadb_copy(o, d, env);
  if (d.engine == "redis") return redis(o, d, env, "copy", false);
  return volume(o, d, env, "copy");
}

PassResult final_sync_postgres(const MoveOptions& o, const DataItem& d, const runbook::Env& env) {
  const auto f = follow_options(o, d, env);
  if (choose_postgres_sync(postgres_wal_level(d, env)) == PgSync::follow) {
    const auto presence = migrate::follow_presence(f);
    if (presence.slot && presence.subscription) {
      auto r = migrate::finish(f);
      return {r.verified(), r.problems(),
              fmt::format("logical-replication cutover: target writable after {:.2f} s (catch-up {:.2f} s "
                          "from {} bytes behind), {} tables proven after {:.2f} s, follow {}",
                          r.window_seconds, r.catch_up_seconds, r.lag_bytes_at_start, r.tables.size(),
                          r.verified_seconds, r.dropped ? "dropped" : "kept (the proof failed)"),
              r.verified_seconds + r.cleanup_seconds};
    }
  }
  PassResult r = postgres(o, d, env, "final-sync", true);
  r.summary = "whole pass (no follow of this item): " + r.summary;
  return r;
}
PassResult final_sync_mariadb(const MoveOptions& o, const DataItem& d, const runbook::Env& env) {
  const auto f = mariadb_follow_options(o, d, env);
  if (migrate::mariadb_follow_state(f).recorded) {
    auto r = migrate::mariadb_cutover(f);
    return {r.verified(), r.problems(),
            fmt::format(
                "binlog cutover: target writable after {:.2f} s (caught up from {} to {}, {} bytes, {} "
                "transactions, {}), {} tables proven after {:.2f} s, follow {}",
                r.window_seconds, r.applied_at_start.text(), r.freeze_position.text(), r.lag_bytes_at_start,
                r.applied.transactions,
                r.follower_was_running ? "by the running follower" : "no follower ran: applied here",
                r.proof.tables.size(), r.verified_seconds, r.dropped ? "dropped" : "kept (the proof failed)"),
            r.verified_seconds + r.cleanup_seconds};
  }
  PassResult r = mariadb(o, d, env, "final-sync", true, false);
  r.summary = "whole pass (no binlog follow of this item: its copy says why): " + r.summary;
  return r;
}
PassResult final_sync_redis(const MoveOptions& o, const DataItem& d, const runbook::Env& env) {
  return redis(o, d, env, "final-sync", true);
}
PassResult final_sync_volume(const MoveOptions& o, const DataItem& d, const runbook::Env& env) {
  return volume(o, d, env, "final-sync");
}

PassResult verify_pass(const MoveOptions& o, const DataItem& d, const runbook::Env& env) {
  // Postgres (the final sync's state, or the copy's after a cutover) and redis: the final sync's state again
  // (done: verified once more, nothing copied); mariadb: key ranges compared, nothing written; a volume:
  // another pass, manifests compared. After a cutover there is no final-sync state: the copy's state,
  // verified again.
  //
  // After a follow's cutover (PostgreSQL's logical replication, MariaDB's binlog: no final-sync state,
  // as no whole pass ran) the final sync itself proved every table, counted and hashed inside both
  // servers, after the writers stopped, and its step fails unless that proof passed: proving it once
  // more here only lengthened the write freeze (at 1 GB of PostgreSQL, 39.8 s of its 52.5 s).
  const bool whole_pass = std::filesystem::exists(mover_state_file(o, d, "final-sync"));
  if ((d.engine == "postgres" || d.engine == "mariadb") && !whole_pass)
    return {true, {}, "proven by the final sync's cutover (every table counted and hashed on both sides)", 0};
  if (d.engine == "postgres") return postgres(o, d, env, "final-sync", false);
  if (d.engine == "mariadb") return mariadb(o, d, env, "verify", false, true);
  if (d.engine == "redis") return redis(o, d, env, "final-sync", false);
  return volume(o, d, env, "verify");
}

PassResult LibraryMovers::run(const DataItem& d, const std::string& pass) {
  if (pass == "copy") {
    if (d.engine != "mariadb") return copy_pass(options_, d, env_);
    followers_.stop(d.slug());  // a copy again records its follow afresh
    PassResult r = copy_pass(options_, d, env_);
    if (r.ok && r.follows) followers_.start(d.slug(), mariadb_follow_options(options_, d, env_));
    return r;
  }
  if (pass == "verify") return verify_pass(options_, d, env_);
  if (pass != "final-sync") throw std::logic_error("unknown mover pass " + pass);
  if (d.engine == "postgres") return final_sync_postgres(options_, d, env_);
  if (d.engine == "mariadb") {
    PassResult r = final_sync_mariadb(options_, d, env_);
    if (auto error = followers_.finish(d.slug()))
      r.summary += "; the follower had stopped on: " + *error + " (the cutover applied the rest)";
    return r;
  }
  if (d.engine == "redis") return final_sync_redis(options_, d, env_);
  return final_sync_volume(options_, d, env_);
}

}  // namespace rehome::move
