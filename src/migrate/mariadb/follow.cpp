// The MariaDB follow (mariadb_follow.hpp): its record on the target, the follower loop, the cutover,
// the lag and the stop. The pieces are in binlog_text.cpp, binlog_stream.cpp, binlog_apply.cpp and
// follow_checks.cpp.
#include <algorithm>
#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "migrate/mariadb/follow_steps.hpp"
#include "migrate/mariadb/steps.hpp"

namespace rehome::migrate {
namespace {

using Clock = std::chrono::steady_clock;
using engines::MariadbConnection;
using engines::MariadbEndpoint;
using nlohmann::json;
using namespace std::chrono_literals;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::unique_ptr<MariadbConnection> connect(const MariadbFollowOptions& o, bool source) {
  const auto url = engines::parse_mariadb_url(source ? o.from : o.to, source ? "--from" : "--to");
  return std::make_unique<MariadbConnection>(
      mariadb::server_endpoint(url), source ? "source" : "target",
      engines::MariadbConnectOptions{.defaults_file = o.defaults_file});
}

std::string bk() { return MariadbConnection::quote_name(mariadb::bookkeeping_db); }

// The follow's row on the target.
struct Record {
  bool found = false;
  std::string run_id, source_identity, rewrite_db;
  mariadb::FollowSelection selection;
  BinlogPosition start, applied;
  int64_t transactions = 0;
  std::string request;
  BinlogPosition stop_at;
  double seconds_since_apply = 0;
};

Record read_record(MariadbConnection& target, const std::string& name) {
  Record r;
  std::vector<MariadbConnection::Row> rows;
  try {
    rows =
        target.query(fmt::format("SELECT run_id, source_identity, selection, rewrite_db, start_file, "
                                 "start_pos, binlog_file, binlog_pos, "
                                 "transactions, request, stop_file, stop_pos, "
                                 "COALESCE(TIMESTAMPDIFF(MICROSECOND, applied, UTC_TIMESTAMP(3)) / 1e6, 0) "
                                 "FROM {}.follow WHERE name = {}",
                                 bk(), target.quote(name)));
  } catch (const engines::MariadbError& e) {
    if (e.code() == 1146 || e.code() == 1049) return r;  // no bookkeeping yet
    throw;
  }
  if (rows.empty()) return r;
  const auto& row = rows[0];
  r.found = true;
  r.run_id = row[0].value_or("");
  r.source_identity = row[1].value_or("");
  json sel = json::parse(row[2].value_or("{}"));
  for (const auto& d : sel.value("databases", json::array()))
    r.selection.databases.insert(d.get<std::string>());
  for (const auto& t : sel.value("tables", json::array())) r.selection.tables.insert(t.get<std::string>());
  r.rewrite_db = row[3].value_or("");
  r.start = {row[4].value_or(""), std::stoll(row[5].value_or("0"))};
  r.applied = {row[6].value_or(""), std::stoll(row[7].value_or("0"))};
  r.transactions = std::stoll(row[8].value_or("0"));
  r.request = row[9].value_or("");
  if (row[10]) r.stop_at = {*row[10], std::stoll(row[11].value_or("0"))};
  r.seconds_since_apply = std::stod(row[12].value_or("0"));
  return r;
}

bool follower_running(MariadbConnection& target, const std::string& name) {
  return target.scalar(fmt::format("SELECT IS_USED_LOCK({})", target.quote(mariadb::follow_lock_name(name))))
      .has_value();
}

BinlogPosition master_position(MariadbConnection& source) {
  auto rows = source.query("SHOW MASTER STATUS");
  if (rows.empty() || !rows[0][0])
    throw UserError(
        fmt::format("the source {} reports no binlog position (log_bin off?)", source.endpoint().masked),
        "the follow needs log_bin on the source");
  return {*rows[0][0], std::stoll(rows[0][1].value_or("0"))};
}

// Binlog bytes from `a` to `b` on `source` (SHOW BINARY LOGS sizes across files).
int64_t bytes_between(MariadbConnection& source, const BinlogPosition& a, const BinlogPosition& b) {
  if (compare_positions(a, b) >= 0) return 0;
  if (a.file == b.file) return b.pos - a.pos;
  int64_t total = 0;
  for (const auto& row : source.query("SHOW BINARY LOGS")) {
    BinlogPosition f{row[0].value_or(""), 0};
    int64_t size = std::stoll(row[1].value_or("0"));
    if (f.file == a.file)
      total += std::max<int64_t>(0, size - a.pos);
    else if (f.file == b.file)
      total += b.pos;
    else if (compare_positions(f, a) > 0 && compare_positions(f, b) < 0)
      total += size;
  }
  return total;
}

void step(const MariadbFollowOptions& o, const std::string& line) {
  if (o.on_step) o.on_step(line);
}

// The follower: applies from the recorded position until interrupted, asked to stop, or (stop_at, or a
// cutover request) caught up. Holds the follow's lock on `control` for its whole run.
MariadbApplyStats follow_loop(const MariadbFollowOptions& o, const std::string& name,
                              std::optional<BinlogPosition> stop_at) {
  auto control = connect(o, false);
  const std::string lock = control->quote(mariadb::follow_lock_name(name));
  if (control->scalar(fmt::format("SELECT GET_LOCK({}, 0)", lock)) != "1")
    throw UserError(fmt::format("another rehome follows this migration already (lock {} held on the target)",
                                mariadb::follow_lock_name(name)),
                    "stop it (--stop-follow, or Ctrl-C in its terminal) or use --cutover / --lag");
  Record rec = read_record(*control, name);
  if (!rec.found)
    throw UserError(
        fmt::format("no follow {} is recorded on the target {}", name, control->endpoint().masked),
        "run the migration with --follow first (it copies, verifies, then follows)");
  control->exec(
      fmt::format("UPDATE {}.follow SET request = NULL, stop_file = NULL, stop_pos = NULL WHERE name = {} "
                  "AND request IS NOT NULL",
                  bk(), control->quote(name)));
  auto applying = std::make_unique<MariadbConnection>(
      mariadb::server_endpoint(engines::parse_mariadb_url(o.to, "--to")), "target",
      engines::MariadbConnectOptions{.defaults_file = o.defaults_file, .multi_statements = true});
  applying->exec("SET SESSION wait_timeout = 86400");
  mariadb::BinlogApplier applier(*applying, name, rec.selection, rec.applied);
  const auto source_url = mariadb::server_endpoint(engines::parse_mariadb_url(o.from, "--from"));
  const uint32_t server_id =
      static_cast<uint32_t>(1000000000u + mariadb::fnv1a(name + "|dump") % 1000000000u);
  const auto started = Clock::now();
  step(o, fmt::format("follow {}: applying the source's binlog from {}", name, rec.applied.text()));
  auto caught_up = [&] {
    return stop_at && !applier.in_transaction() && compare_positions(applier.position(), *stop_at) >= 0;
  };
  if (caught_up()) {
    applier.stats().seconds = since(started);
    return applier.stats();
  }
  mariadb::BinlogStream stream({.endpoint = source_url,
                                .defaults_file = o.defaults_file,
                                .rewrite_db = rec.rewrite_db,
                                .server_id = server_id},
                               rec.applied);
  mariadb::BinlogTextParser parser;
  std::vector<std::string> lines;
  std::vector<mariadb::BinlogItem> items;
  auto last_check = Clock::now() - 1s;
  for (;;) {
    lines.clear();
    const bool open = stream.read_lines(20ms, lines);
    for (const auto& l : lines) {
      items.clear();
      parser.line(l, items);
      for (const auto& item : items) {
        applier.apply(item);
        if (caught_up()) break;
      }
      if (caught_up()) break;
    }
    applier.end_of_input();
    if (caught_up()) {
      applier.record();
      break;
    }
    if (Clock::now() - last_check >= 20ms || !open) {
      last_check = Clock::now();
      if (o.interrupted && o.interrupted()) {
        applier.rollback();
        step(o, fmt::format("follow {}: interrupted; applied up to {}", name, applier.position().text()));
        break;
      }
      Record now = read_record(*control, name);
      if (!now.found || now.request == "stop") {
        applier.rollback();
        step(o, fmt::format("follow {}: stopped on request at {}", name, applier.position().text()));
        break;
      }
      if (now.request == "cutover" && !now.stop_at.empty() && !stop_at) {
        stop_at = now.stop_at;
        step(o, fmt::format("follow {}: cutover asked: applying up to {}", name, stop_at->text()));
        if (caught_up()) {
          applier.record();
          break;
        }
      }
    }
    if (!open) {
      applier.rollback();
      throw UserError(fmt::format("mariadb-binlog stopped (exit {}) while following at {}: {}",
                                  stream.exit_code(), applier.position().text(), stream.errors()),
                      "the target holds everything before that position; check that the source is reachable "
                      "and its binlog kept, then run the follow again: it resumes there");
    }
  }
  applier.stats().seconds = since(started);
  return applier.stats();
}

}  // namespace

std::string mariadb_follow_name(const MariadbFollowOptions& o) {
  const auto from = engines::parse_mariadb_url(o.from, "--from");
  const auto to = engines::parse_mariadb_url(o.to, "--to");
  std::string key = from.identity() + "/" + from.database + "|" + to.identity() + "/" + to.database + "|";
  for (const auto& d : o.databases) key += d + ",";
  key += "|";
  for (const auto& t : o.tables) key += t.schema + "." + t.name + ",";
  return fmt::format("rehome_{:016x}", mariadb::fnv1a(key));
}

void start_mariadb_follow(const MariadbFollowOptions& o, const MariadbMigrationReport& report) {
  auto position = parse_binlog_position(report.binlog_position);
  if (!position)
    throw UserError(fmt::format("the copy recorded no binlog position ({})", report.binlog_position),
                    "the follow needs log_bin on the source when the copy runs");
  const std::string name = mariadb_follow_name(o);
  json databases = json::array(), tables = json::array();
  std::string rewrite;
  std::set<std::string> dbs;
  const auto to = engines::parse_mariadb_url(o.to, "--to");
  const auto from = engines::parse_mariadb_url(o.from, "--from");
  for (const auto& t : report.tables) {
    if (o.tables.empty())
      dbs.insert(t.target.schema);
    else
      tables.push_back(t.target.schema + "." + t.target.name);
    if (t.source.schema != t.target.schema) rewrite = t.source.schema + "->" + t.target.schema;
  }
  if (o.tables.empty() && !to.database.empty()) dbs.insert(to.database);
  if (rewrite.empty() && !to.database.empty()) {
    std::string src = !from.database.empty() ? from.database : o.databases.size() == 1 ? o.databases[0] : "";
    if (!src.empty() && src != to.database) rewrite = src + "->" + to.database;
  }
  for (const auto& d : dbs) databases.push_back(d);
  auto target = connect(o, false);
  if (follower_running(*target, name))
    throw UserError(fmt::format("a follower of {} runs: the copy cannot restart its follow under it", name),
                    "stop it first (--stop-follow)");
  mariadb::ensure_follow_table(*target);
  target->exec(fmt::format(
      "REPLACE INTO {}.follow (name, run_id, source_identity, selection, rewrite_db, start_file, start_pos, "
      "binlog_file, binlog_pos, transactions, applied) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, 0, NULL)",
      bk(), target->quote(name), target->quote(report.run_id), target->quote(report.source_identity),
      target->quote(json{{"databases", databases}, {"tables", tables}}.dump()), target->quote(rewrite),
      target->quote(position->file), position->pos, target->quote(position->file), position->pos));
  step(o, fmt::format("follow {} recorded on the target: it starts at the copy's snapshot, {}", name,
                      position->text()));
}

MariadbFollowState mariadb_follow_state(const MariadbFollowOptions& o) {
  MariadbFollowState s;
  s.name = mariadb_follow_name(o);
  auto target = connect(o, false);
  Record r = read_record(*target, s.name);
  s.recorded = r.found;
  s.applied = r.applied;
  s.transactions = r.transactions;
  s.running = follower_running(*target, s.name);
  return s;
}

MariadbApplyStats run_mariadb_follow(const MariadbFollowOptions& o) {
  const std::string name = mariadb_follow_name(o);
  {
    auto target = connect(o, false);
    Record r = read_record(*target, name);
    if (r.found) require_follow_source(o, r.applied);
  }
  return follow_loop(o, name, std::nullopt);
}

MariadbFollowLag mariadb_follow_lag(const MariadbFollowOptions& o) {
  const std::string name = mariadb_follow_name(o);
  auto source = connect(o, true);
  auto target = connect(o, false);
  Record r = read_record(*target, name);
  if (!r.found)
    throw UserError(fmt::format("no follow {} is recorded on the target {}", name, target->endpoint().masked),
                    "run the migration with --follow first");
  MariadbFollowLag lag;
  lag.source = master_position(*source);
  lag.applied = r.applied;
  lag.bytes_behind = bytes_between(*source, r.applied, lag.source);
  lag.transactions = r.transactions;
  lag.running = follower_running(*target, name);
  lag.seconds_since_apply = r.seconds_since_apply;
  return lag;
}

std::vector<std::string> MariadbCutoverReport::problems() const {
  std::vector<std::string> out;
  if (compare_positions(applied.to, freeze_position) < 0)
    out.push_back(fmt::format("the target applied up to {} only, not the freeze position {}",
                              applied.to.text(), freeze_position.text()));
  for (const auto& p : proof.problems()) out.push_back(p);
  return out;
}

MariadbCutoverReport mariadb_cutover(const MariadbFollowOptions& o) {
  const auto start = Clock::now();
  MariadbCutoverReport r;
  r.name = mariadb_follow_name(o);
  r.source = engines::parse_mariadb_url(o.from, "--from").masked;
  r.target = engines::parse_mariadb_url(o.to, "--to").masked;
  auto source = connect(o, true);
  auto target = connect(o, false);
  r.freeze_position = master_position(*source);
  Record rec = read_record(*target, r.name);
  if (!rec.found)
    throw UserError(
        fmt::format("no follow {} of this migration is recorded on the target {}", r.name, r.target),
        "run the migration with --follow first (same --from, --to and selection), or make the final "
        "sync a whole pass: migrate again with --truncate");
  r.applied_at_start = rec.applied;
  r.lag_bytes_at_start = bytes_between(*source, rec.applied, r.freeze_position);
  r.follower_was_running = follower_running(*target, r.name);
  step(o, fmt::format("cutover {}: the source is at {}, the target applied {} ({} bytes behind){}", r.name,
                      r.freeze_position.text(), rec.applied.text(), r.lag_bytes_at_start,
                      r.follower_was_running ? "; the running follower applies the rest" : ""));
  if (r.follower_was_running) {
    target->exec(fmt::format(
        "UPDATE {}.follow SET request = 'cutover', stop_file = {}, stop_pos = {} WHERE name = {}", bk(),
        target->quote(r.freeze_position.file), r.freeze_position.pos, target->quote(r.name)));
    const auto deadline = Clock::now() + o.timeout;
    while (follower_running(*target, r.name)) {
      if (Clock::now() > deadline)
        throw UserError(fmt::format("the follower of {} did not reach {} within {} s", r.name,
                                    r.freeze_position.text(), o.timeout.count()),
                        "see its output (is it applying? --lag), then run the cutover again");
      std::this_thread::sleep_for(2ms);
    }
    Record after = read_record(*target, r.name);
    r.applied.from = rec.applied;
    r.applied.to = after.applied;
    r.applied.transactions = after.transactions - rec.transactions;
  }
  if (compare_positions(r.applied.to.empty() ? rec.applied : r.applied.to, r.freeze_position) < 0) {
    // No follower (or it stopped short): this process applies the rest.
    require_follow_source(o, r.applied.to.empty() ? rec.applied : r.applied.to);
    auto stats = follow_loop(o, r.name, r.freeze_position);
    if (r.applied.from.empty()) r.applied.from = rec.applied;
    r.applied.to = stats.to;
    r.applied.transactions += stats.transactions;
    r.applied.statements += stats.statements;
    r.applied.skipped_statements += stats.skipped_statements;
    r.applied.ddl += stats.ddl;
    r.applied.notes = stats.notes;
  } else if (r.applied.to.empty()) {
    r.applied.from = r.applied.to = rec.applied;
  }
  target->exec(
      fmt::format("UPDATE {}.follow SET request = NULL, stop_file = NULL, stop_pos = NULL WHERE name = {}",
                  bk(), target->quote(r.name)));
  r.catch_up_seconds = since(start);
  r.window_seconds = r.catch_up_seconds;
  step(o, fmt::format("cutover {}: caught up to {} in {:.2f} s ({} transactions): the target is writable",
                      r.name, r.applied.to.text(), r.catch_up_seconds, r.applied.transactions));

  // The proof: the frozen source against the target, every table by key ranges.
  const auto proof_start = Clock::now();
  MariadbMigrationOptions verify{.from = o.from,
                                 .to = o.to,
                                 .databases = o.databases,
                                 .tables = o.tables,
                                 .defaults_file = o.defaults_file,
                                 .jobs = o.jobs,
                                 .verify_only = true};
  verify.on_step = o.on_step;
  r.proof = migrate_mariadb(verify);
  r.verify_seconds = since(proof_start);
  r.verified_seconds = since(start);
  if (r.verified()) {
    const auto cleanup = Clock::now();
    target->exec(fmt::format("DELETE FROM {}.follow WHERE name = {}", bk(), target->quote(r.name)));
    r.dropped = true;
    r.cleanup_seconds = since(cleanup);
  }
  return r;
}

std::vector<std::string> stop_mariadb_follow(const MariadbFollowOptions& o) {
  const std::string name = mariadb_follow_name(o);
  auto target = connect(o, false);
  std::vector<std::string> out;
  Record r = read_record(*target, name);
  if (follower_running(*target, name)) {
    target->exec(
        fmt::format("UPDATE {}.follow SET request = 'stop' WHERE name = {}", bk(), target->quote(name)));
    const auto deadline = Clock::now() + o.timeout;
    while (follower_running(*target, name)) {
      if (Clock::now() > deadline)
        throw UserError(fmt::format("the follower of {} did not stop within {} s", name, o.timeout.count()),
                        "stop its process (Ctrl-C in its terminal), then run --stop-follow again");
      std::this_thread::sleep_for(10ms);
    }
    out.push_back(
        fmt::format("follower of {} stopped at {}", name, read_record(*target, name).applied.text()));
  }
  if (r.found) {
    target->exec(fmt::format("DELETE FROM {}.follow WHERE name = {}", bk(), target->quote(name)));
    out.push_back(fmt::format("follow record {} on the target (it had applied up to {}, {} transactions)",
                              name, r.applied.text(), r.transactions));
  }
  return out;
}

}  // namespace rehome::migrate

namespace rehome::migrate {

MariadbFollowRun copy_and_follow(const MariadbMigrationOptions& m, const MariadbFollowOptions& o,
                                 const std::function<void(const MariadbMigrationReport&)>& on_copied) {
  MariadbFollowRun run;
  auto check = check_follow_source(o);
  run.warnings = check.warnings;
  for (const auto& w : check.warnings) step(o, "warning: " + w);
  require_follow_source(o);
  auto state = mariadb_follow_state(o);
  if (state.recorded && !m.truncate) {
    run.resumed = true;
    step(o, fmt::format(
                "follow {} is recorded on the target at {} ({} transactions applied): resuming it, no copy",
                state.name, state.applied.text(), state.transactions));
  } else {
    run.copy = migrate_mariadb(m);
    if (on_copied) on_copied(*run.copy);
    if (!run.copy->verified()) return run;
    require_follow_source(o, parse_binlog_position(run.copy->binlog_position));
    start_mariadb_follow(o, *run.copy);
  }
  run.applied = run_mariadb_follow(o);
  return run;
}

}  // namespace rehome::migrate
