// The final sync by logical replication (catch_up.hpp): the slot made with the copy's snapshot, the
// target's subscription to it, the catch-up at cutover, its verification and the cleanup.
#include "migrate/postgres/catch_up.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/error.hpp"
#include "migrate/parallel.hpp"
#include "migrate/postgres/steps.hpp"

namespace rehome::migrate {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void say(const std::function<void(const std::string&)>& on_step, const std::string& line) {
  if (on_step) on_step(line);
}

std::string drop_slot_sql(const std::string& slot) {
  return fmt::format("SELECT pg_drop_replication_slot('{}')", slot);
}

// The subscription's apply worker and replication origin on the target.
constexpr const char* subscription_status_sql =
    "SELECT s.pid IS NOT NULL, o.remote_lsn FROM pg_subscription sub "
    "LEFT JOIN pg_stat_subscription s ON s.subid = sub.oid AND s.relid IS NULL "
    "LEFT JOIN pg_replication_origin_status o ON o.external_id = 'pg_' || sub.oid "
    "WHERE sub.subname = $1 AND sub.subdbid = (SELECT oid FROM pg_database WHERE datname = "
    "current_database())";

// Drops the slot (waiting up to 10 s for its walsender to go, then ending it: the slot is rehome's),
// the publication and the marker table on the source; returns what it dropped.
std::vector<std::string> drop_source_side(const engines::PgEndpoint& source, const FollowNames& names) {
  std::vector<std::string> dropped;
  engines::PgConnection db(source, "source");
  for (auto deadline = Clock::now() + std::chrono::seconds(10);;) {
    auto rows = db.query("SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1", {names.slot});
    if (rows.empty()) break;
    if (!rows[0][0]) {
      db.query(drop_slot_sql(names.slot));
      dropped.push_back(fmt::format("replication slot {} on the source", names.slot));
      break;
    }
    if (Clock::now() > deadline) db.query("SELECT pg_terminate_backend($1::int)", {*rows[0][0]});
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!db.scalar("SELECT 1 FROM pg_publication WHERE pubname = $1", {names.slot}).empty()) {
    db.exec("DROP PUBLICATION " + engines::quote_ident(names.slot));
    dropped.push_back(fmt::format("publication {} on the source", names.slot));
  }
  if (!db.scalar(fmt::format("SELECT to_regclass({})::text", engines::quote_literal(names.marker))).empty()) {
    db.exec("DROP TABLE " + names.marker);
    dropped.push_back(fmt::format("marker table {} on the source", names.marker));
  }
  db.try_exec(fmt::format("DROP SCHEMA IF EXISTS {}", follow_schema));  // stays while another follow uses it
  return dropped;
}

std::string marker_ddl(const FollowNames& names) {
  return fmt::format(
      "CREATE SCHEMA IF NOT EXISTS {}; CREATE TABLE IF NOT EXISTS {} (lsn pg_lsn, at timestamptz DEFAULT "
      "now())",
      follow_schema, names.marker);
}

// Tables UPDATE and DELETE could not be published for: no replica identity (no primary key, or
// REPLICA IDENTITY NOTHING).
std::vector<TableName> without_replica_identity(engines::PgConnection& db,
                                                const std::vector<TableName>& tables) {
  std::set<TableName> wanted(tables.begin(), tables.end());
  std::vector<TableName> out;
  for (const auto& row :
       db.query("SELECT n.nspname, c.relname, c.relreplident::text, "
                "EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary), "
                "EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident) "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r'")) {
    TableName name{*row[0], *row[1]};
    if (!wanted.count(name)) continue;
    const std::string identity = *row[2];
    const bool ok =
        identity == "f" || (identity == "d" && *row[3] == "t") || (identity == "i" && *row[4] == "t");
    if (!ok) out.push_back(name);
  }
  return out;
}

// Of the tables without a replica identity, those REPLICA IDENTITY FULL cannot help either: the target
// finds a row to update by comparing every column, and a column type without an equality (json, xml,
// point ...) stops its apply worker. Each with its first such column, "public.t (data json)".
std::vector<std::string> not_comparable(engines::PgConnection& db, const std::vector<TableName>& tables) {
  if (tables.empty()) return {};
  std::vector<std::string> names;
  for (const auto& t : tables) {  // as elements of an array literal: "..." with \ and " escaped
    std::string element = "\"";
    for (char c : engines::qualified_name(t.schema, t.name)) {
      if (c == '"' || c == '\\') element += '\\';
      element += c;
    }
    names.push_back(element + "\"");
  }
  // A domain as its base type, an array as its element, enums and composites by their generic opclass.
  auto rows = db.query(R"(
    WITH cols AS (
      SELECT c.oid AS relid, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod) AS shown,
             CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END AS typ
      FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      JOIN pg_type t ON t.oid = a.atttypid
      WHERE c.oid = ANY(SELECT x::regclass FROM unnest($1::text[]) AS x)),
    resolved AS (
      SELECT relid, attname, attnum, shown,
             CASE WHEN e.typtype = 'e' THEN 'anyenum'::regtype::oid WHEN e.typtype = 'c' THEN 'record'::regtype::oid
                  ELSE e.oid END AS typ
      FROM cols JOIN pg_type b ON b.oid = cols.typ
      JOIN pg_type e ON e.oid = CASE WHEN b.typcategory = 'A' AND b.typelem <> 0 THEN b.typelem ELSE b.oid END)
    SELECT DISTINCT ON (relid) (SELECT n.nspname || '.' || c.relname FROM pg_class c
                                       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = r.relid),
           attname, shown FROM resolved r
    WHERE NOT EXISTS (SELECT 1 FROM pg_opclass oc JOIN pg_am am ON am.oid = oc.opcmethod
                      WHERE oc.opcdefault AND am.amname IN ('btree', 'hash') AND oc.opcintype = r.typ)
    ORDER BY relid, attnum)",
                       {fmt::format("{{{}}}", fmt::join(names, ","))});
  std::vector<std::string> out;
  for (const auto& row : rows) out.push_back(fmt::format("{} ({} {})", *row[0], *row[1], *row[2]));
  return out;
}

void check_source(engines::PgConnection& db, const engines::PgEndpoint& source, const FollowNames& names) {
  const std::string wal_level = db.scalar("SHOW wal_level");
  if (wal_level != "logical") {
    throw UserError(
        fmt::format("--follow: the source {} runs with wal_level = {}; logical replication needs "
                    "wal_level = logical",
                    source.masked, wal_level),
        "on the source server: ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL "
        "(max_replication_slots and max_wal_senders must leave one free; their defaults are 10); or "
        "migrate without --follow and copy again at the cutover");
  }
  if (db.scalar("SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user") != "t") {
    throw UserError(
        fmt::format("--follow: the source user of {} has no REPLICATION attribute", source.masked),
        "on the source: ALTER ROLE <user> REPLICATION; or migrate as a superuser");
  }
  auto free = db.scalar(
      "SELECT current_setting('max_replication_slots')::int - (SELECT count(*) FROM pg_replication_slots "
      "WHERE slot_name <> $1)",
      {names.slot});
  if (std::stoll(free) <= 0) {
    auto slots = db.text_rows("SELECT slot_name FROM pg_replication_slots ORDER BY 1");
    std::vector<std::string> list;
    for (const auto& r : slots) list.push_back(r[0]);
    throw UserError(
        fmt::format("--follow: the source {} has no free replication slot (max_replication_slots "
                    "= {}, in use: {})",
                    source.masked, db.scalar("SHOW max_replication_slots"), fmt::join(list, ", ")),
        "drop a slot nobody uses (SELECT pg_drop_replication_slot('name')), or raise "
        "max_replication_slots on the source and restart it");
  }
}

}  // namespace

FollowNames follow_names(const std::string& from, const std::string& to, const Selection& selection) {
  const std::string slot = "rehome_" + migration_fingerprint(engines::parse_pg_url(from, "--from"),
                                                             engines::parse_pg_url(to, "--to"), selection);
  return {.slot = slot, .marker = engines::qualified_name(follow_schema, slot)};
}

FollowSlot::FollowSlot(const engines::PgEndpoint& source, const std::vector<TableName>& tables,
                       const FollowNames& names, bool set_replica_identity_full,
                       const std::function<void(const std::string&)>& on_step)
    : source_(source), names_(names) {
  engines::PgConnection db(source, "source");
  check_source(db, source, names);
  auto missing = without_replica_identity(db, tables);
  if (auto hopeless = not_comparable(db, missing); !hopeless.empty()) {
    throw UserError(
        fmt::format(
            "--follow: {} table(s) of the source have neither a primary key nor columns the target could "
            "compare to find a row (REPLICA IDENTITY FULL needs an equality for every column): {}",
            hopeless.size(), fmt::join(hopeless, ", ")),
        "give each a primary key (or a unique index and REPLICA IDENTITY USING INDEX), or migrate without "
        "--follow and copy again at the cutover");
  }
  if (!missing.empty() && !set_replica_identity_full) {
    std::vector<std::string> shown;
    for (size_t i = 0; i < missing.size() && i < 20; ++i) shown.push_back(missing[i].display());
    throw UserError(
        fmt::format("--follow: {} table(s) of the source have no replica identity (no primary key): {}; once "
                    "published, an UPDATE or DELETE of them would fail on the source",
                    missing.size(), fmt::join(shown, ", ")),
        fmt::format("add a primary key, or on the source ALTER TABLE {} REPLICA IDENTITY FULL; (or pass "
                    "--replica-identity-full to let rehome do that)",
                    engines::qualified_name(missing[0].schema, missing[0].name)));
  }
  for (const auto& t : missing) {
    db.exec(fmt::format("ALTER TABLE {} REPLICA IDENTITY FULL", engines::qualified_name(t.schema, t.name)));
    say(on_step, fmt::format("follow     {}: REPLICA IDENTITY FULL (it has no primary key)", t.display()));
  }
  // What an interrupted run left under this migration's name; a slot in use is a follow still running.
  if (db.scalar("SELECT active FROM pg_replication_slots WHERE slot_name = $1", {names.slot}) == "t") {
    throw UserError(
        fmt::format("--follow: the replication slot {} of this migration is in use: a target follows "
                    "the source through it",
                    names.slot),
        "finish that follow with --cutover, or drop it with --stop-follow, before copying again");
  }
  for (const auto& line : drop_source_side(source, names))
    say(on_step, fmt::format("follow     dropped the {} left by an interrupted run", line));
  try {
    std::vector<std::string> quoted;
    for (const auto& t : tables) quoted.push_back(engines::qualified_name(t.schema, t.name));
    // The publication exists before the slot: decoding reads it as of each change.
    db.exec(fmt::format("CREATE PUBLICATION {}{}", engines::quote_ident(names.slot),
                        quoted.empty() ? "" : " FOR TABLE " + fmt::format("{}", fmt::join(quoted, ", "))));
    replication_ = std::make_unique<engines::PgConnection>(
        source, "source", engines::PgOptions{.application_name = "rehome follow", .replication = "database"});
    auto rows = replication_->simple_query(fmt::format(
        "CREATE_REPLICATION_SLOT {} LOGICAL pgoutput EXPORT_SNAPSHOT", engines::quote_ident(names.slot)));
    consistent_lsn_ = rows.at(0).at(1).value_or("");
    snapshot_ = rows.at(0).at(2).value_or("");
    // The marker table comes after the snapshot, so the copy does not see it.
    db.exec(marker_ddl(names));
    db.exec(fmt::format("ALTER PUBLICATION {} ADD TABLE {}", engines::quote_ident(names.slot), names.marker));
  } catch (...) {
    replication_.reset();
    try {
      drop_source_side(source, names);
    } catch (...) {
    }
    throw;
  }
  say(on_step, fmt::format("follow     slot {} on the source at {}; the copy reads in its snapshot",
                           names.slot, consistent_lsn_));
}

FollowSlot::~FollowSlot() {
  replication_.reset();
  if (kept_) return;
  try {
    drop_source_side(source_, names_);
  } catch (const std::exception& e) {
    // No way to throw from here: say it on stderr, with the statement that frees the source's WAL.
    std::fprintf(stderr,
                 "could not drop the replication slot %s on the source (%s): it keeps the source's WAL; "
                 "drop it there: %s; DROP PUBLICATION %s;\n",
                 names_.slot.c_str(), e.what(), drop_slot_sql(names_.slot).c_str(), names_.slot.c_str());
  }
}

void start_follow(const FollowOptions& options) {
  const auto source = engines::parse_pg_url(options.from, "--from");
  const auto target = engines::parse_pg_url(options.to, "--to");
  const auto names = follow_names(options.from, options.to, options.selection);
  std::string conninfo = engines::for_child_process(source).conninfo_without_password;
  if (!options.source_from_target.empty()) {
    auto seen = engines::parse_pg_url(options.source_from_target, "--source-from-target");
    if (seen.has_password) {
      throw UserError(
          "--source-from-target holds a password: the target would keep it in its catalog (pg_subscription)",
          "leave it out; the target's server process reads it from its own ~/.pgpass, or from a file named "
          "by "
          "passfile=... in that string");
    }
    conninfo = seen.conninfo;
  }
  engines::PgConnection db(target, "target");
  db.exec(marker_ddl(names));
  std::string message;
  const std::string sql = fmt::format(
      "CREATE SUBSCRIPTION {0} CONNECTION {1} PUBLICATION {0} WITH (create_slot = false, slot_name = {2}, "
      "copy_data = false, enabled = true)",
      engines::quote_ident(names.slot), engines::quote_literal(conninfo), engines::quote_literal(names.slot));
  if (!db.try_exec(sql, &message).empty()) {
    throw UserError(
        fmt::format("the target {} could not subscribe to the source: {}", target.masked, message),
        fmt::format("the target's PostgreSQL connects to the source itself ({}): it needs a superuser on the "
                    "target, a route to the source and a password from its own ~/.pgpass (or passfile=... in "
                    "--source-from-target), never from rehome",
                    engines::parse_pg_url(conninfo, "source").masked));
  }
}

FollowPresence follow_presence(const FollowOptions& options) {
  const auto names = follow_names(options.from, options.to, options.selection);
  engines::PgConnection source(engines::parse_pg_url(options.from, "--from"), "source");
  engines::PgConnection target(engines::parse_pg_url(options.to, "--to"), "target");
  return {
      .slot = !source.scalar("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", {names.slot}).empty(),
      .subscription = !target.query(subscription_status_sql, {names.slot}).empty()};
}

FollowLag lag(const FollowOptions& options) {
  const auto names = follow_names(options.from, options.to, options.selection);
  engines::PgConnection source(engines::parse_pg_url(options.from, "--from"), "source");
  engines::PgConnection target(engines::parse_pg_url(options.to, "--to"), "target");
  FollowLag out;
  auto slot = source.query(
      "SELECT pg_current_wal_lsn()::text, confirmed_flush_lsn::text, "
      "pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint FROM pg_replication_slots WHERE slot_name "
      "= $1",
      {names.slot});
  if (slot.empty()) {
    throw UserError(fmt::format("no replication slot {} on the source {}", names.slot, source.masked_url()),
                    "start following with `rehome migrate postgres ... --follow` (the same --from, --to and "
                    "selection)");
  }
  out.source_lsn = slot[0][0].value_or("");
  out.confirmed_lsn = slot[0][1].value_or("");
  out.retained_bytes = std::stoll(slot[0][2].value_or("0"));
  auto sub = target.query(subscription_status_sql, {names.slot});
  if (!sub.empty()) {
    out.streaming = sub[0][0] == std::optional<std::string>("t");
    out.applied_lsn = sub[0][1].value_or("");
  }
  const std::string applied = out.applied_lsn.empty() ? out.confirmed_lsn : out.applied_lsn;
  if (!applied.empty()) {
    out.bytes_behind = std::max<int64_t>(
        0, std::stoll(source.scalar("SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::bigint",
                                    {out.source_lsn, applied})));
  }
  return out;
}

std::string mark_source(const FollowOptions& options) {
  const auto names = follow_names(options.from, options.to, options.selection);
  engines::PgConnection source(engines::parse_pg_url(options.from, "--from"), "source");
  // Every transaction acknowledged before this point ends at or before `lsn`; the marker's commit ends
  // after it, so a target that applied past `lsn` applied all of them (it applies in commit order).
  const std::string lsn = source.scalar("SELECT pg_current_wal_insert_lsn()::text");
  source.query(fmt::format("INSERT INTO {} (lsn) VALUES ($1::pg_lsn)", names.marker), {lsn});
  return lsn;
}

void wait_caught_up(const FollowOptions& options, const std::string& lsn) {
  const auto names = follow_names(options.from, options.to, options.selection);
  engines::PgConnection target(engines::parse_pg_url(options.to, "--to"), "target");
  const auto start = Clock::now();
  auto last_streaming = start;
  const std::string sql = fmt::format(
      "SELECT x.streaming, coalesce(x.remote >= $2::pg_lsn, false), x.remote FROM ({}) AS x(streaming, "
      "remote)",
      subscription_status_sql);
  for (;;) {
    auto rows = target.query(sql, {names.slot, lsn});
    if (rows.empty()) {
      throw UserError(fmt::format("no subscription {} on the target {}", names.slot, target.masked_url()),
                      "start following with `rehome migrate postgres ... --follow`");
    }
    if (rows[0][1] == std::optional<std::string>("t")) return;
    const auto now = Clock::now();
    if (rows[0][0] == std::optional<std::string>("t")) last_streaming = now;
    if (now - last_streaming > std::chrono::seconds(10)) {
      throw UserError(
          fmt::format("the target's subscription {} is not applying (no apply worker for 10 s), at {} of {}",
                      names.slot, rows[0][2].value_or("nothing yet"), lsn),
          "read the target server's log: a conflict (a row written on the target, a duplicate key) stops "
          "the apply worker; fix it and run the cutover again, or drop the follow with --stop-follow");
    }
    if (now - start > options.timeout) {
      throw UserError(
          fmt::format("the target did not catch up with the source within {} s (applied up to {}, "
                      "waiting for {})",
                      options.timeout.count(), rows[0][2].value_or("nothing yet"), lsn),
          "are writers still running on the source? stop them and run the cutover again");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::vector<std::string> PgCutoverReport::problems() const {
  PgMigrationReport shown{.tables = tables, .sequences = sequences};
  return shown.problems();
}

namespace {

// Every selected table counted and hashed in SQL on both servers, `jobs` connections each side.
// The target's side reads in `target_snapshot` (exported by the caller's open transaction).
std::vector<TableCheck> verify_live(const FollowOptions& options, const engines::PgEndpoint& source_url,
                                    const engines::PgEndpoint& target_url,
                                    const std::string& target_snapshot) {
  engines::PgConnection source(source_url, "source"), target(target_url, "target");
  source.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  std::vector<TableInfo> tables;
  for (auto& t : read_tables(source)) {
    if (options.selection.includes(t.name)) tables.push_back(std::move(t));
  }
  set_row_hashes(source, target, tables);
  source.exec("COMMIT");
  std::set<TableName> on_target;
  for (const auto& t : read_tables(target)) on_target.insert(t.name);

  std::vector<Checksum> sums(2 * tables.size());
  StopFlag stop;
  run_parallel(options.jobs, sums.size(), stop, [&](int) {
    auto s = std::make_shared<engines::PgConnection>(source_url, "source");
    auto d = std::make_shared<engines::PgConnection>(target_url, "target");
    s->exec(checksum_session_settings);
    d->exec(checksum_session_settings);
    d->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    d->exec(fmt::format("SET TRANSACTION SNAPSHOT '{}'", target_snapshot));
    return [&, s, d](size_t i) {
      const TableInfo& table = tables[i / 2];
      if (i % 2 == 1 && !on_target.count(table.name)) return;
      sums[i] = server_checksum(i % 2 == 0 ? *s : *d,
                                WorkUnit{.id = table.name.display(), .table = table.name}, table);
    };
  });
  std::vector<TableCheck> checks;
  for (size_t i = 0; i < tables.size(); ++i) {
    const bool present = on_target.count(tables[i].name) > 0;
    checks.push_back({.table = tables[i].name,
                      .source_rows = sums[2 * i].rows,
                      .target_rows = present ? sums[2 * i + 1].rows : -1,
                      .source_checksum = sums[2 * i].hex(),
                      .target_checksum = present ? sums[2 * i + 1].hex() : "",
                      .proof = VerifyMode::server});
  }
  return checks;
}

}  // namespace

PgCutoverReport finish(const FollowOptions& options) {
  const auto start = Clock::now();
  const auto source = engines::parse_pg_url(options.from, "--from");
  const auto target = engines::parse_pg_url(options.to, "--to");
  const auto names = follow_names(options.from, options.to, options.selection);
  PgCutoverReport report{.source = source.masked, .target = target.masked, .slot = names.slot};
  if (!follow_presence(options).subscription) {
    throw UserError(
        fmt::format("the target {} does not follow the source: no subscription {}", target.masked,
                    names.slot),
        "start with `rehome migrate postgres ... --follow` (the same --from, --to and selection)");
  }
  report.lag_bytes_at_start = lag(options).bytes_behind;
  wait_caught_up(options, mark_source(options));
  report.catch_up_seconds = seconds_since(start);
  say(options.on_step,
      fmt::format("catch-up   the target applied every change in {:.2f} s ({} bytes behind at the "
                  "start)",
                  report.catch_up_seconds, report.lag_bytes_at_start));

  // Detached from the source, and the target's content at this instant held for the proof.
  engines::PgConnection hold(target, "target");
  const std::string subscription = engines::quote_ident(names.slot);
  hold.exec(fmt::format("ALTER SUBSCRIPTION {} DISABLE", subscription));
  hold.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  const std::string snapshot = hold.scalar("SELECT pg_export_snapshot()");
  auto t = Clock::now();
  {
    engines::PgConnection s(source, "source"), d(target, "target");
    copy_sequences(s, d);
    std::map<TableName, std::optional<int64_t>> on_target;
    for (const auto& seq : read_sequences(d)) on_target[seq.name] = seq.last_value;
    for (const auto& seq : read_sequences(s)) {
      if (!options.selection.everything() && !on_target.count(seq.name)) continue;
      auto it = on_target.find(seq.name);
      report.sequences.push_back({.sequence = seq.name,
                                  .source = seq.last_value,
                                  .target = it == on_target.end() ? std::nullopt : it->second,
                                  .target_exists = it != on_target.end()});
    }
  }
  report.sequences_seconds = seconds_since(t);
  report.window_seconds = seconds_since(start);
  say(options.on_step,
      fmt::format("writable   after {:.2f} s: caught up, detached from the source, sequences set",
                  report.window_seconds));
  if (options.on_writable) options.on_writable();

  t = Clock::now();
  report.tables = verify_live(options, source, target, snapshot);
  report.verify_seconds = seconds_since(t);
  report.verified_seconds = seconds_since(start);
  hold.exec("COMMIT");
  say(options.on_step,
      fmt::format("verify     {} tables in {:.2f} s (the source against the target as it was "
                  "when writable)",
                  report.tables.size(), report.verify_seconds));
  if (!report.verified()) {
    // Writers still running on the source? Without new writers on the target, it follows again.
    if (!options.on_writable) hold.exec(fmt::format("ALTER SUBSCRIPTION {} ENABLE", subscription));
    return report;
  }

  t = Clock::now();
  for (const auto& line : drop_follow(options)) say(options.on_step, "cleanup    dropped the " + line);
  report.dropped = true;
  report.cleanup_seconds = seconds_since(t);
  return report;
}

std::vector<std::string> drop_follow(const FollowOptions& options) {
  const auto source = engines::parse_pg_url(options.from, "--from");
  const auto target = engines::parse_pg_url(options.to, "--to");
  const auto names = follow_names(options.from, options.to, options.selection);
  std::vector<std::string> dropped;
  std::string target_error;
  try {
    engines::PgConnection db(target, "target");
    if (!db.scalar("SELECT 1 FROM pg_subscription WHERE subname = $1", {names.slot}).empty()) {
      // Detached from the slot first, so dropping it needs no connection to the source.
      const std::string sub = engines::quote_ident(names.slot);
      db.exec(fmt::format("ALTER SUBSCRIPTION {} DISABLE", sub));
      db.exec(fmt::format("ALTER SUBSCRIPTION {} SET (slot_name = NONE)", sub));
      db.exec(fmt::format("DROP SUBSCRIPTION {}", sub));
      dropped.push_back(fmt::format("subscription {} on the target", names.slot));
    }
    if (!db.scalar(fmt::format("SELECT to_regclass({})::text", engines::quote_literal(names.marker)))
             .empty()) {
      db.exec("DROP TABLE " + names.marker);
      dropped.push_back(fmt::format("marker table {} on the target", names.marker));
    }
    db.try_exec(fmt::format("DROP SCHEMA IF EXISTS {}", follow_schema));
  } catch (const UserError& e) {
    target_error = e.what();
  }
  for (auto& line : drop_source_side(source, names)) dropped.push_back(std::move(line));
  if (!target_error.empty()) {
    throw UserError(fmt::format("the source's slot and publication are dropped, but not the target's "
                                "subscription {}: {}",
                                names.slot, target_error),
                    fmt::format("on the target: ALTER SUBSCRIPTION {0} DISABLE; ALTER SUBSCRIPTION {0} SET "
                                "(slot_name = NONE); DROP SUBSCRIPTION {0};",
                                names.slot));
  }
  return dropped;
}

}  // namespace rehome::migrate
