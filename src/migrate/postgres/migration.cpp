// The orchestrator: reads the state file, decides which steps remain, runs them in order
// (schema -> copy -> indexes -> sequences -> verify) and reports. The steps live in pg_*_step.cpp.
#include "migrate/postgres/migration.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <thread>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/process.hpp"
#include "common/run_id.hpp"
#include "migrate/postgres/catch_up.hpp"
#include "migrate/postgres/run_record.hpp"
#include "migrate/postgres/steps.hpp"
#include "migrate/resume_decision.hpp"
#include "model/units.hpp"

namespace rehome::migrate {
namespace {

// The target's disk filled during the copy (the server's "No space left on device"): the same error with
// the figures a person needs, which server and about how much it still needs, and what to do.
void rethrow_if_disk_full(const UserError& e, const std::string& target, int64_t pending_bytes) {
  std::string what = e.what();
  if (what.find("No space left on device") == std::string::npos) return;
  std::string needed = model::format_bytes(pending_bytes);
  throw UserError(
      fmt::format("{}\nthe target {} ran out of disk space: {} of rows was left to copy when this "
                  "run started, and its indexes come on top",
                  what, target, needed),
      fmt::format("free at least {} plus room for the indexes where the target keeps this database "
                  "(its data directory or tablespace), then run the same command again: tables "
                  "already copied are kept",
                  needed),
      e.exit_code());
}

// A run cut off from the target (a link that dropped, a process killed across a network) leaves sessions
// the server has not noticed are gone: still in their transactions, holding the locks a resumed run
// waits for (for hours: the server's TCP keepalive). A resumed run ends the busy sessions of rehome on the
// target database first, and says how many.
std::string end_leftover_sessions(engines::PgConnection& target_db) {
  try {
    auto rows = target_db.query(
        "SELECT pid::text, pg_terminate_backend(pid)::text, state FROM pg_stat_activity WHERE datname = "
        "current_database() AND application_name = 'rehome' AND pid <> pg_backend_pid() AND backend_type = "
        "'client backend' AND state <> 'idle'");
    if (rows.empty()) return {};
    std::vector<std::string> pids, ids;
    for (const auto& row : rows) {
      pids.push_back(row[0].value_or("?") + " (" + row[2].value_or("?") + ")");
      if (row[0]) ids.push_back(*row[0]);
    }
    // pg_terminate_backend only signals: wait until they are gone, their transactions rolled back, so
    // what this run reads of the target next (its run record) is what they leave.
    const std::string gone =
        fmt::format("SELECT count(*) FROM pg_stat_activity WHERE pid IN ({})", fmt::join(ids, ", "));
    for (int i = 0; i < 300 && target_db.scalar(gone) != "0"; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return fmt::format("resume     ended {} session(s) an earlier run left on the target: {}", rows.size(),
                       fmt::join(pids, ", "));
  } catch (const UserError& e) {
    return fmt::format(
        "resume     could not end sessions an earlier run may have left on the target ({}); "
        "if this run waits on a lock, end them with pg_terminate_backend",
        e.what());
  }
}

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

uint64_t fnv1a(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string endpoint_identity(const engines::PgEndpoint& e) {
  return fmt::format("{}@{}:{}/{}", e.user, e.host.empty() ? "localhost" : e.host,
                     e.port.empty() ? "5432" : e.port, e.database);
}

std::string fingerprint(const engines::PgEndpoint& from, const engines::PgEndpoint& to,
                        const Selection& selection) {
  return fmt::format(
      "{:016x}", fnv1a(endpoint_identity(from) + "|" + endpoint_identity(to) + "|" + selection.describe()));
}

// Reports progress every interval from its own thread while a step runs.
class ProgressTicker {
 public:
  ProgressTicker(const PgMigrationOptions& options, MigrationContext& context)
      : options_(options), context_(context) {
    if (!options_.on_progress) return;
    thread_ = std::thread([this] {
      std::unique_lock lock(mutex_);
      while (!cv_.wait_for(lock, options_.progress_interval, [this] { return done_; })) report();
    });
  }
  ~ProgressTicker() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  void phase(const std::string& name, int64_t total, bool bytes) {
    std::lock_guard lock(mutex_);
    phase_ = name;
    total_ = total;
    bytes_ = bytes;
    start_ = Clock::now();
  }
  void report() {
    if (phase_.empty() || !options_.on_progress) return;
    Progress p{.phase = phase_, .total = total_, .elapsed_seconds = seconds_since(start_), .bytes = bytes_};
    if (bytes_) {
      p.done = context_.bytes;
      p.rows = context_.rows;
    } else {
      p.done = context_.steps_done;
      p.total = context_.steps_total;
    }
    options_.on_progress(p);
  }

 private:
  const PgMigrationOptions& options_;
  MigrationContext& context_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::string phase_;
  int64_t total_ = 0;
  bool bytes_ = true;
  Clock::time_point start_ = Clock::now();
  std::thread thread_;
};

MigrationState open_state(const std::filesystem::path& path, const std::string& print, bool& existed) {
  existed = std::filesystem::exists(path);
  if (!existed) return MigrationState{.fingerprint = print};
  MigrationState state = state_from_json(read_file(path), path);
  if (state.fingerprint != print) {
    throw UserError(fmt::format("the state file {} belongs to another migration ({} -> {}, {})",
                                path.string(), state.source, state.target, state.selection),
                    "give this migration its own --state file, or delete that one if it is finished");
  }
  return state;
}

FollowOptions follow_options(const PgMigrationOptions& options) {
  return {.from = options.from,
          .to = options.to,
          .selection = options.selection,
          .source_from_target = options.source_from_target,
          .jobs = options.jobs,
          .on_step = options.on_step};
}

}  // namespace

std::string migration_fingerprint(const engines::PgEndpoint& from, const engines::PgEndpoint& to,
                                  const Selection& selection) {
  return fingerprint(from, to, selection);
}

bool PgMigrationReport::verified() const { return problems().empty(); }

std::vector<std::string> PgMigrationReport::problems() const {
  std::vector<std::string> out;
  for (const auto& t : tables) {
    if (t.target_rows < 0)
      out.push_back(fmt::format("{}: missing on the target", t.table.display()));
    else if (t.source_rows != t.target_rows)
      out.push_back(fmt::format("{}: {} rows on the source, {} on the target", t.table.display(),
                                t.source_rows, t.target_rows));
    else if (t.source_checksum != t.target_checksum)
      out.push_back(fmt::format("{}: same row count ({}) but different content (checksum {} vs {})",
                                t.table.display(), t.source_rows, t.source_checksum, t.target_checksum));
  }
  for (const auto& s : sequences) {
    auto show = [](const std::optional<int64_t>& v) {
      return v ? std::to_string(*v) : std::string("unused");
    };
    if (!s.target_exists)
      out.push_back(fmt::format("sequence {}: missing on the target", s.sequence.display()));
    else if (!s.ok())
      out.push_back(fmt::format("sequence {}: {} on the source, {} on the target", s.sequence.display(),
                                show(s.source), show(s.target)));
  }
  for (const auto& t : extra_target_tables)
    out.push_back(fmt::format("{}: on the target but not the source", t));
  return out;
}

std::filesystem::path default_state_file(const std::filesystem::path& work_dir, const std::string& from,
                                         const std::string& to, const Selection& selection) {
  engines::PgEndpoint source = engines::parse_pg_url(from, "--from"),
                      target = engines::parse_pg_url(to, "--to");
  std::string db;
  for (char c : target.database) db += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return work_dir /
         fmt::format("postgres-{}-{}.state.json", db, fingerprint(source, target, selection).substr(0, 8));
}

PgMigrationReport migrate_postgres(const PgMigrationOptions& options) {
  const auto started = Clock::now();
  engines::PgEndpoint source = engines::parse_pg_url(options.from, "--from");
  engines::PgEndpoint target = engines::parse_pg_url(options.to, "--to");
  if (options.jobs < 1 || options.jobs > 64) {
    throw UserError(fmt::format("--jobs {}: must be between 1 and 64", options.jobs),
                    "use about the number of cores");
  }
  if (endpoint_identity(source) == endpoint_identity(target)) {
    throw UserError(fmt::format("--from and --to are the same database ({})", source.masked),
                    "the target must be another database");
  }
  require_program("pg_dump", "postgresql-client");  // before anything is changed

  const auto path = options.state_file.empty()
                        ? default_state_file(options.work_dir, options.from, options.to, options.selection)
                        : options.state_file;
  if (!path.parent_path().empty()) std::filesystem::create_directories(path.parent_path());
  const std::string print = fingerprint(source, target, options.selection);
  engines::PgConnection coordinator(source, "source");
  engines::PgConnection target_db(target, "target");

  // Whether the state file still describes this target (migrate/resume_decision.hpp), before anything
  // is changed: the target's run row against the state's run id, the source's system identifier.
  bool existed = false;
  MigrationState initial = open_state(path, print, existed);
  // An earlier run killed or cut off may still be running on the target (the server finishes what it
  // was sent, the schema's transaction with its run record, for nobody): ended first, so the decision
  // below reads the target as that run left it, not a moment before its last commit.
  if (existed && !initial.verified)
    if (std::string ended = end_leftover_sessions(target_db); !ended.empty() && options.on_step)
      options.on_step(ended);
  const std::string source_system = pg_system_identifier(coordinator);
  const RunRecord trace = read_run_record(target_db, options.selection.describe());
  const auto conflicts = conflicting_target_objects(options.selection, target_db);
  ResumeDecision decision =
      decide_resume({.present = existed,
                     .run_id = initial.run_id,
                     .source_system = initial.source_system,
                     .target_written = initial.pre_data_done,
                     .verified = initial.verified},
                    trace_of(trace), source_system, conflicts.empty(), options.truncate);
  std::string stale_state;
  if (decision.action == ResumeAction::refuse) {
    throw UserError(
        fmt::format("the state file {} is stale: {}; and the target {} is not empty (it holds {})",
                    path.string(), decision.why, target.masked, fmt::join(conflicts, ", ")),
        fmt::format("nothing was changed. To start over, run the same command with --truncate (drops what "
                    "the target holds of {} first), or migrate into an empty database",
                    options.selection.describe()));
  }
  if (decision.action == ResumeAction::restart) {
    stale_state = fmt::format("the state file {} is stale: {}; starting over", path.string(), decision.why);
    if (options.on_step) options.on_step("state      " + stale_state);
  }
  bool resumed = decision.action == ResumeAction::resume;
  if (decision.action == ResumeAction::complete) {
    initial.verified = true;
    if (!existed) {  // no state file: the target's finished run is this migration's
      initial.run_id = trace.run_id;
      initial.source_system = trace.source_system;
      initial.pre_data_done = true;
      if (options.on_step)
        options.on_step(
            fmt::format("state      no state file {}; the target records run {} of this source, "
                        "finished {}: proving it again",
                        path.string(), trace.run_id, trace.finished_at));
    }
  }
  // A --follow copy cannot resume: the slot's snapshot ended with the interrupted run. It starts over.
  const bool follow_restart = options.follow && resumed;
  if (follow_restart) {
    for (const auto& line : drop_follow(follow_options(options)))
      if (options.on_step) options.on_step("follow     dropped the " + line + " of the interrupted run");
    forget_run_record(target_db, options.selection.describe());
    resumed = false;
    if (options.on_step) options.on_step("follow     the interrupted --follow copy starts over");
  }
  if (!resumed && decision.action != ResumeAction::complete) {  // a new run: its own id
    initial = MigrationState{
        .fingerprint = print, .run_id = new_run_id(), .source_system = source_system, .runs = initial.runs};
  }
  PgMigrationReport report{.source = source.masked,
                           .target = target.masked,
                           .selection = options.selection.describe(),
                           .state_file = path};
  report.resumed = resumed;
  report.already_complete = decision.action == ResumeAction::complete;
  report.stale_state = stale_state;
  report.run_id = initial.run_id;
  if (report.already_complete) {
    report.completed_at = trace.finished_at;
    report.original_tables = trace.tables;
    report.original_rows = trace.rows;
    report.original_bytes = trace.bytes;
  }
  initial.source = source.masked;
  initial.target = target.masked;
  initial.selection = report.selection;
  ++initial.runs;
  StateFile state(path, initial);

  const FollowNames follow_name = follow_names(options.from, options.to, options.selection);
  std::unique_ptr<FollowSlot> follow;
  std::vector<TableName> published;  // --follow: the tables of the publication
  if (options.follow && initial.verified) {
    // Copied and verified before: the target follows through the slot created with that copy.
    const FollowPresence presence = follow_presence(follow_options(options));
    if (!presence.subscription && !presence.slot) {
      throw UserError(
          fmt::format("--follow: {} was copied without a replication slot to follow from (state: {})",
                      target.masked, path.string()),
          "delete the state file and copy again with --follow --truncate");
    }
    if (!presence.subscription) start_follow(follow_options(options));
    report.follow_slot = follow_name.slot;
    report.total_seconds = seconds_since(started);
    return report;
  }
  if (options.follow) {
    for (const auto& t : read_tables(coordinator))
      if (options.selection.includes(t.name)) published.push_back(t.name);
    follow = std::make_unique<FollowSlot>(source, published, follow_name, options.replica_identity_full,
                                          options.on_step);
  }

  // One instant for everything: the coordinator holds the exported snapshot open until the end (with
  // --follow, the slot's snapshot, imported).
  coordinator.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (follow) coordinator.exec(fmt::format("SET TRANSACTION SNAPSHOT '{}'", follow->snapshot()));
  MigrationContext context{
      .options = options,
      .source = source,
      .target = target,
      .snapshot = follow ? follow->snapshot() : coordinator.scalar("SELECT pg_export_snapshot()"),
      .state = state};
  for (auto& t : read_tables(coordinator)) {
    if (options.selection.includes(t.name)) context.tables.push_back(std::move(t));
  }
  if (follow) {
    std::vector<TableName> copied;
    for (const auto& t : context.tables) copied.push_back(t.name);
    if (copied != published) {
      throw UserError("--follow: the source's tables changed while the replication slot was created",
                      "run again (no table should be created or dropped during a --follow migration)");
    }
  }
  for (const auto& wanted : options.selection.tables) {
    bool found = std::any_of(context.tables.begin(), context.tables.end(),
                             [&](const TableInfo& t) { return t.name == wanted; });
    if (!found) {
      throw UserError(
          fmt::format("--tables: table {} does not exist in the source {}", wanted.display(), source.masked),
          "check the name (schema.table; unqualified names are in public)");
    }
  }
  set_row_hashes(coordinator, target_db, context.tables);
  if (context.tables.empty()) {
    throw UserError(
        fmt::format("nothing to migrate: {} of {} holds no table", report.selection, source.masked),
        "check --schema, or the source URL's database");
  }
  if (!options.selection.everything()) {
    context.crossing_keys = crossing_foreign_keys(read_foreign_keys(coordinator), options.selection);
  }
  report.crossing_keys = context.crossing_keys;
  auto say = [&](const std::string& line) {
    if (options.on_step) options.on_step(line);
  };

  try {
    if (resumed) {
      // The schema step committed (the run row with it) just before a kill, before the file said so.
      if (!initial.pre_data_done && trace.run_id == initial.run_id)
        state.update([](MigrationState& s) { s.pre_data_done = true; });
    } else if (!report.already_complete) {
      if (!conflicts.empty() && !options.truncate && !follow_restart) {
        throw UserError(fmt::format("the target {} is not empty: it already holds {}", target.masked,
                                    fmt::join(conflicts, ", ")),
                        "migrate into an empty database, or add --truncate to drop those first");
      }
      if (!conflicts.empty()) {
        say(fmt::format("truncate: dropping what the target holds of {}", report.selection));
        empty_target(context, target_db);
      } else {
        // Another run's bookkeeping (its run row, its units) would be read as this run's.
        forget_run_record(target_db, options.selection.describe());
      }
    }
    state.update([](MigrationState&) {});  // the file exists from here on: a rerun resumes

    ProgressTicker ticker(options, context);
    if (!initial.verified) {
      auto t = Clock::now();
      // The post-data dump (same snapshot) runs while the schema is created.
      auto post_data_dump =
          std::async(std::launch::async, [&context] { return dump_schema(context, "post-data"); });
      if (!state.snapshot().pre_data_done) {
        int created = apply_pre_data(context);
        state.update([](MigrationState& s) { s.pre_data_done = true; });
        say(fmt::format("schema     {} objects created", created));
      }
      report.schema_seconds = seconds_since(t);

      if (state.snapshot().units.empty()) {
        auto units = split_into_units(context.tables, {.jobs = options.jobs});
        state.update([&](MigrationState& s) {
          for (auto& u : units) s.units.push_back({.unit = u});
        });
      }
      reconcile_units(context, target_db);
      const DumpScript post_data = post_data_dump.get();
      t = Clock::now();
      int64_t pending_bytes = 0;
      for (const auto& u : state.snapshot().units) {
        if (u.status != UnitStatus::done) pending_bytes += u.unit.estimated_bytes;
      }
      ticker.phase("copy", pending_bytes, true);
      // Copy, and per finished table its readback, indexes and ANALYZE, overlapped (postgres/pipeline.cpp).
      try {
        report.units_copied_now = run_pipeline(context, post_data);
      } catch (const UserError& e) {
        rethrow_if_disk_full(e, context.target.masked, pending_bytes);
        throw;
      }
      state.update([](MigrationState& s) { s.copy_done = true; });
      report.copy_seconds = seconds_since(t);
      say(
          fmt::format("copy       {} units in {:.1f} s (with the proof, indexes and ANALYZE of each "
                      "table as it finished)",
                      report.units_copied_now, report.copy_seconds));

      t = Clock::now();
      ticker.phase("indexes", 0, false);
      if (!state.snapshot().post_data_finished) {
        build_post_data(context, post_data);
        state.update([](MigrationState& s) { s.post_data_finished = true; });
      }
      for (const auto& id : state.snapshot().post_data_done)
        report.post_data_statements += id.rfind("ANALYZE ", 0) == 0 ? 0 : 1;
      report.post_data_seconds = seconds_since(t);
      say(fmt::format("indexes    {} statements, the rest in {:.1f} s", report.post_data_statements,
                      report.post_data_seconds));

      copy_sequences(coordinator, target_db);
      state.update([](MigrationState& s) { s.sequences_done = true; });
    }

    auto t = Clock::now();
    ticker.phase("verify", 0, false);
    verify(context, coordinator, target_db, report);
    // A sequence is not in the snapshot: with --follow the writers go on, and the cutover sets them.
    if (options.follow) report.sequences.clear();
    report.verify_seconds = seconds_since(t);
    say(fmt::format("verify     {} tables in {:.1f} s", report.tables.size(), report.verify_seconds));
  } catch (const UserError& e) {
    std::string hint = e.hint().empty() ? "" : e.hint() + "; ";
    throw UserError(
        e.what(),
        hint + (options.follow
                    ? fmt::format("the replication slot {} is dropped; running the same "
                                  "command again starts the copy over",
                                  follow_name.slot)
                    : fmt::format("running the same command again resumes (state: {})", path.string())),
        e.exit_code());
  }

  for (const auto& u : state.snapshot().units) {
    report.rows_copied += u.rows;
    report.bytes_copied += u.bytes;
  }
  report.units = static_cast<int>(state.snapshot().units.size());
  report.copy_work_seconds = static_cast<double>(context.copy_work_us.load()) / 1e6;
  report.verify_work_seconds = static_cast<double>(context.verify_work_us.load()) / 1e6;
  report.index_work_seconds = static_cast<double>(context.index_work_us.load()) / 1e6;
  if (follow) {
    follow->release_snapshot();
    if (report.verified()) {  // else the slot is dropped: a copy that is not the source's is not followed
      start_follow(follow_options(options));
      follow->keep();
      report.follow_slot = follow_name.slot;
    }
  }
  if (report.verified()) {
    // The run row records its end and figures (kept: it is how a later run knows this target); the
    // per-unit table goes.
    if (!report.already_complete || trace.finished_at.empty()) {
      int64_t rows = 0;
      for (const auto& t : report.tables) rows += t.source_rows;
      finish_run_record(target_db, options.selection.describe(), static_cast<int64_t>(report.tables.size()),
                        rows, report.bytes_copied);
    }
    state.update([](MigrationState& s) { s.verified = true; });
  }
  coordinator.exec("COMMIT");
  report.total_seconds = seconds_since(started);
  return report;
}

}  // namespace rehome::migrate
