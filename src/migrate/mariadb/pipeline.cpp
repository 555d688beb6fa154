// The orchestrator of migrate mariadb: URLs and selection, the state file and the target's trace of
// it, the snapshot (read lock, one snapshot per worker, binlog position), the schema, then the
// pipeline: `jobs` workers, each with its source snapshot and a target connection, take chunks
// (non-transactional tables first, while the read lock still holds; then biggest first), copy each
// and prove it at once on both servers; then triggers, the comparison of objects, and events.
//
// A resumed run reads a NEW snapshot, so chunks an earlier run copied came from an older state of
// the source: every one of them is proven again against the new snapshot, and one that differs
// (the source changed in between) is copied again, and the report counts them.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/run_id.hpp"
#include "migrate/mariadb/steps.hpp"
#include "migrate/parallel.hpp"
#include "migrate/resume_decision.hpp"
#include "migrate/test_hooks.hpp"

namespace rehome::migrate {
using namespace mariadb;

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

MariadbEndpoint without_database(MariadbEndpoint e) {
  e.database.clear();
  return e;
}

std::string describe_selection(const MariadbMigrationOptions& o, const std::vector<std::string>& dbs) {
  if (!o.tables.empty()) {
    std::string out;
    for (const auto& t : o.tables) {
      if (!out.empty()) out += ", ";
      out += t.display();
    }
    return "tables " + out;
  }
  std::string out;
  for (const auto& d : dbs) {
    if (!out.empty()) out += ", ";
    out += d;
  }
  return (dbs.size() == 1 ? "database " : "databases ") + out;
}

// The state plus its file, saved atomically after every change; shared by the workers.
class StateStore {
 public:
  StateStore(std::filesystem::path path, State state) : path_(std::move(path)), state_(std::move(state)) {}
  template <typename F>
  void update(F&& change) {
    std::lock_guard lock(mutex_);
    change(state_);
    if (!path_.empty()) write_file_atomically(path_, state_to_json(state_));
  }
  State snapshot() const {
    std::lock_guard lock(mutex_);
    return state_;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  State state_;
  mutable std::mutex mutex_;
};

void target_session(MariadbConnection& target) {
  set_copy_session(target);
  // READ COMMITTED: a resumed run's DELETE of a range takes no gap locks that would make parallel
  // chunks of one table deadlock.
  target.exec("SET SESSION foreign_key_checks = 0, unique_checks = 0");
  target.exec("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
}

}  // namespace

std::vector<TableName> parse_mariadb_tables(const std::string& csv, const std::string& default_db) {
  std::vector<TableName> out;
  std::stringstream in(csv);
  for (std::string item; std::getline(in, item, ',');) {
    if (item.empty()) throw UserError("--tables: an empty table name", "give db.table,db.other");
    size_t dot = item.find('.');
    if (dot == std::string::npos) {
      if (default_db.empty())
        throw UserError(fmt::format("--tables: '{}' names no database and the --from URL has none", item),
                        "write it as database.table");
      out.push_back({default_db, item});
    } else {
      out.push_back({item.substr(0, dot), item.substr(dot + 1)});
    }
  }
  return out;
}

std::vector<std::string> parse_mariadb_databases(const std::string& csv) {
  std::vector<std::string> out;
  std::stringstream in(csv);
  for (std::string item; std::getline(in, item, ',');) {
    if (item.empty()) throw UserError("--databases: an empty database name", "give a,b");
    out.push_back(item);
  }
  return out;
}

bool MariadbMigrationReport::verified() const { return problems().empty(); }

std::vector<std::string> MariadbMigrationReport::problems() const {
  std::vector<std::string> out;
  for (const auto& t : tables) {
    if (t.missing) {
      out.push_back(fmt::format("{}: missing on the target", t.target.display()));
      continue;
    }
    for (const auto& d : t.differences) {
      out.push_back(fmt::format("{}: differs in {} ({}): source {} rows sum {}, target {} rows sum {}",
                                t.target.display(), d.range, d.id, d.source_rows, d.source_sum, d.target_rows,
                                d.target_sum));
    }
    if (t.differences.empty() && t.source_rows != t.target_rows)
      out.push_back(fmt::format("{}: {} rows on the source, {} on the target", t.target.display(),
                                t.source_rows, t.target_rows));
  }
  for (const auto& o : objects) {
    if (!o.on_target) out.push_back(fmt::format("{} {}: missing on the target", o.kind, o.name));
  }
  return out;
}

MariadbMigrationReport migrate_mariadb(const MariadbMigrationOptions& o) {
  const auto started = Clock::now();
  auto step = [&](const std::string& line) {
    if (o.on_step) o.on_step(line);
  };
  const MariadbEndpoint from = engines::parse_mariadb_url(o.from, "--from");
  const MariadbEndpoint to = engines::parse_mariadb_url(o.to, "--to");
  const engines::MariadbConnectOptions connect{.defaults_file = o.defaults_file};
  MariadbMigrationReport report;
  report.source = from.masked;
  report.target = to.masked;
  report.content_proven = o.verify;

  MariadbConnection control(without_database(from), "source", connect);
  MariadbConnection target(without_database(to), "target", connect);

  // What moves, and under which names.
  std::vector<TableName> only = o.tables;
  std::vector<std::string> databases = o.databases;
  if (!only.empty()) {
    std::set<std::string> dbs;
    for (const auto& t : only) dbs.insert(t.schema);
    databases.assign(dbs.begin(), dbs.end());
  } else if (databases.empty()) {
    databases = from.database.empty() ? user_databases(control) : std::vector<std::string>{from.database};
  }
  {
    auto existing = user_databases(control);
    for (const auto& d : databases) {
      if (std::find(existing.begin(), existing.end(), d) == existing.end())
        throw UserError(fmt::format("database {} does not exist on the source {}", d, from.masked),
                        "list the source's databases with SHOW DATABASES");
    }
  }
  if (databases.empty()) throw UserError(fmt::format("the source {} holds no user database", from.masked));
  std::map<std::string, std::string> db_map;
  for (const auto& d : databases) db_map[d] = d;
  if (!to.database.empty()) {
    if (databases.size() != 1)
      throw UserError(
          fmt::format("--to names database {} but {} databases are selected", to.database, databases.size()),
          "leave the database out of --to (each keeps its name) or select one database");
    db_map[databases[0]] = to.database;
  }
  const std::string source_identity = server_identity(control);
  if (source_identity == server_identity(target)) {
    for (const auto& [a, b] : db_map)
      if (a == b)
        throw UserError(fmt::format("--from and --to are the same database {} on the same server", a),
                        "name another database in --to");
  }
  report.selection = describe_selection(o, databases);
  std::string selection_key = report.selection;
  for (const auto& [a, b] : db_map) selection_key += "|" + a + ">" + b;
  const std::string fingerprint =
      fmt::format("{:016x}", fnv1a(from.identity() + "|" + to.identity() + "|" + selection_key));
  report.state_file =
      !o.state_file.empty()
          ? o.state_file
          : o.work_dir / fmt::format("mariadb-{}-{}.state.json", to.database.empty() ? "all" : to.database,
                                     fingerprint.substr(0, 8));

  // What the target already holds of the tables and views to migrate.
  report.verify_only = o.verify_only;
  if (o.verify_only) report.state_file.clear();
  std::vector<std::string> present;
  if (!o.verify_only) {
    for (const auto& [src, dst] : db_map) {
      for (const auto& row : target.query(fmt::format(
               "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = {} ORDER BY 1",
               target.quote(dst)))) {
        TableName t{src, row[0].value_or("")};
        if (only.empty() || std::find(only.begin(), only.end(), t) != only.end())
          present.push_back(dst + "." + t.name);
      }
    }
  }

  // The state file, and whether it still describes the target (migrate/resume_decision.hpp): the
  // target's _rehome.runs against the state's run, the source's identity against the state's.
  State state;
  bool resumed = false;
  if (!o.verify_only && std::filesystem::exists(report.state_file)) {
    State old = state_from_json(read_file(report.state_file), report.state_file);
    if (old.fingerprint != fingerprint) {
      throw UserError(fmt::format("{} is the state of another migration ({} -> {}, {})",
                                  report.state_file.string(), old.source, old.target, old.selection),
                      "give this migration its own --state file or --work-dir");
    }
    const RunRow row = target_run(target, fingerprint);
    bool written = old.schema_done;
    for (const auto& c : old.chunks) written = written || c.status == ChunkStatus::done;
    const ResumeDecision d = decide_resume({.present = true,
                                            .run_id = old.run_id,
                                            .source_system = old.source_identity,
                                            .target_written = written,
                                            .verified = old.verified},
                                           {.run_id = row.run_id, .finished = !row.verified.empty()},
                                           source_identity, present.empty(), o.truncate);
    if (d.action == ResumeAction::refuse) {
      throw UserError(
          fmt::format("the state file {} is stale: {}; and the target {} already holds {} of the tables or "
                      "views to migrate ({}{})",
                      report.state_file.string(), d.why, to.masked, present.size(), present.front(),
                      present.size() > 1 ? ", ..." : ""),
          "nothing was changed. To start over, run the same command with --truncate (drops and recreates "
          "them), or migrate into an empty server");
    }
    if (d.action == ResumeAction::resume || d.action == ResumeAction::complete) {
      state = std::move(old);
      resumed = true;
    } else if (!d.why.empty()) {
      report.stale_state =
          fmt::format("the state file {} is stale: {}; starting over", report.state_file.string(), d.why);
      step(report.stale_state);
    }
    if (d.action == ResumeAction::complete) {
      std::set<TableName> tables;
      int64_t rows = 0;
      for (const auto& c : state.chunks) {
        tables.insert(c.chunk.table);
        rows += c.rows;
      }
      step(fmt::format("already complete: run {} finished {} ({} tables, {} rows), verified again now",
                       state.run_id, row.verified.empty() ? "earlier" : row.verified, tables.size(),
                       format_thousands(rows)));
    }
  }
  report.resumed = resumed;
  report.already_complete = resumed && state.verified;

  // On a fresh run the target must not hold what is about to be created, unless --truncate.
  if (!resumed && !o.verify_only) {
    if (!present.empty() && !o.truncate) {
      throw UserError(
          fmt::format("the target {} already holds {} of the tables or views to migrate ({}{})", to.masked,
                      present.size(), present.front(), present.size() > 1 ? ", ..." : ""),
          "empty them, or run again with --truncate to drop and recreate them");
    }
    if (!present.empty()) {
      target.exec("SET SESSION foreign_key_checks = 0");
      for (const auto& p : present) {
        size_t dot = p.find('.');
        std::string db = p.substr(0, dot), name = p.substr(dot + 1);
        bool view = target.scalar(fmt::format("SELECT TABLE_TYPE FROM information_schema.TABLES WHERE "
                                              "TABLE_SCHEMA = {} AND TABLE_NAME = {}",
                                              target.quote(db), target.quote(name))) == "VIEW";
        target.exec(fmt::format("DROP {} IF EXISTS {}", view ? "VIEW" : "TABLE", qualified(db, name)));
      }
      step(fmt::format("--truncate: dropped {} tables and views on the target", present.size()));
    }
  }
  if (!resumed) {
    state = State{.fingerprint = fingerprint,
                  .run_id = new_run_id(),
                  .source = from.masked,
                  .target = to.masked,
                  .selection = report.selection};
  }
  if (o.verify_only) state.schema_done = state.triggers_done = state.events_done = true;
  report.run_id = state.run_id;

  // The consistent instant.
  const int jobs = std::max(1, o.jobs);
  std::vector<std::unique_ptr<MariadbConnection>> readers;
  const auto snapshot_start = Clock::now();
  auto lock = std::make_unique<ReadLock>(control);
  for (int i = 0; i < jobs; ++i) {
    readers.push_back(std::make_unique<MariadbConnection>(without_database(from), "source", connect));
    begin_snapshot(*readers.back());
  }
  const std::string binlog = binlog_position(control);
  std::vector<Table> tables = read_tables(control, databases, only);
  const bool whole_databases = only.empty();
  // Read on a resumed run too: which secondary indexes wait for their table's rows.
  Schema schema = read_schema(control, databases, tables);
  const auto& deferred = schema.deferred;
  Objects objects = read_objects(control, databases, tables, whole_databases, o.users && whole_databases);
  int nontransactional = 0;
  for (const auto& t : tables) nontransactional += t.transactional ? 0 : 1;
  if (nontransactional == 0) lock->release();
  report.source_identity = source_identity;
  report.binlog_position = binlog;
  if (binlog == "binlog off")
    report.notes.push_back("the source's binary log is off: no position to start replication from");
  step(fmt::format("snapshot of {} at {} ({} tables{})", source_identity, binlog, tables.size(),
                   nontransactional
                       ? fmt::format(", {} without transactions copied under the read lock", nontransactional)
                       : ""));
  for (const auto& n : objects.notes) report.notes.push_back(n);

  std::map<TableName, const Table*> by_name;
  for (const auto& t : tables) by_name[t.name] = &t;
  auto target_name = [&](const TableName& t) { return TableName{db_map.at(t.schema), t.name}; };

  // The plan: chunks (fresh), or the state's (resumed).
  if (!resumed) {
    int64_t total_rows = 0;
    for (const auto& t : tables) total_rows += t.estimated_rows;
    int64_t chunk_rows =
        o.chunk_rows > 0 ? o.chunk_rows : std::clamp<int64_t>(total_rows / (jobs * 4), 20000, 1000000);
    for (const auto& t : tables) {
      for (auto& c : split_table(*readers[0], t, chunk_rows)) state.chunks.push_back({.chunk = std::move(c)});
    }
    state.source_identity = source_identity;
    state.binlog_position = binlog;
  } else {
    std::set<TableName> planned;
    for (const auto& c : state.chunks) planned.insert(c.chunk.table);
    for (const auto& t : tables) {
      if (!planned.count(t.name))
        throw UserError(
            fmt::format("table {} appeared on the source since run {} began", t.name.display(), state.run_id),
            fmt::format("start over: delete {} and run again with --truncate", report.state_file.string()));
    }
    for (const auto& p : planned) {
      if (!by_name.count(p))
        throw UserError(
            fmt::format("table {} of run {} is no longer on the source", p.display(), state.run_id),
            fmt::format("start over: delete {} and run again with --truncate", report.state_file.string()));
    }
  }
  const double snapshot_seconds = since(snapshot_start);
  ++state.runs;
  StateStore store(report.state_file, state);
  store.update([](State&) {});  // the file exists before the target knows the run
  if (!o.verify_only) {
    ensure_bookkeeping(target);
    if (!resumed) record_run(target, state);
  }

  // Schema.
  auto schema_start = Clock::now();
  if (!state.schema_done) {
    create_schema(target, schema, db_map, true);
    std::vector<ObjectDef> first;
    for (const auto* list : {&objects.routines, &objects.views, &objects.accounts})
      first.insert(first.end(), list->begin(), list->end());
    create_objects(target, first, db_map, report.notes);
    store.update([](State& s) { s.schema_done = true; });
    step(fmt::format("schema: {} databases, {} tables, {} routines, {} views, {} accounts", databases.size(),
                     tables.size(), objects.routines.size(), objects.views.size(), objects.accounts.size()));
  }
  report.schema_seconds = since(schema_start);

  // What the target committed is the truth about which chunks are done.
  const auto committed =
      o.verify_only ? std::map<std::string, int64_t>{} : committed_chunks(target, state.run_id);
  store.update([&](State& s) {
    for (auto& c : s.chunks) {
      auto it = committed.find(c.chunk.id);
      if (o.verify_only) {
        c.status = ChunkStatus::done;
      } else if (it == committed.end()) {
        c.status = ChunkStatus::pending;
        c.verified = false;
      } else if (c.status != ChunkStatus::done) {
        c.status = ChunkStatus::done;
        c.rows = it->second;
      }
    }
  });
  std::vector<ChunkState> work = store.snapshot().chunks;
  // A resumed run empties its pending chunks' ranges first, one after the other, before any worker
  // starts. Done inside each chunk's transaction, a range DELETE in one worker and another chunk's LOAD
  // DATA into the same table waited on each other for good in MariaDB 10.11 (no deadlock reported, no
  // lock wait timeout: 3 of 62 kills of the campaign). A pending chunk's rows went with its rolled-back
  // transaction, so this normally deletes nothing: it is the guard against rows written in between.
  if (resumed && !o.verify_only) {
    if (int n = end_orphans(target, state.run_id, std::chrono::seconds(120)))
      step(fmt::format("ended {} statement{} the interrupted run left running on the target", n,
                       n == 1 ? "" : "s"));
    target.exec("SET @rehome_fk = @@foreign_key_checks, SESSION foreign_key_checks = 0");
    for (const auto& cs : work) {
      if (cs.status == ChunkStatus::done) continue;
      const Table& table = *by_name.at(cs.chunk.table);
      const TableName at = target_name(table.name);
      Quote q = [&](const Column& c, const std::string& v) { return key_literal(target, c, v); };
      target.exec("DELETE FROM " + qualified(at.schema, at.name) + chunk_where(table, cs.chunk, q));
    }
    target.exec("SET SESSION foreign_key_checks = @rehome_fk");
  }
  std::stable_sort(work.begin(), work.end(), [&](const ChunkState& a, const ChunkState& b) {
    bool at = by_name.at(a.chunk.table)->transactional, bt = by_name.at(b.chunk.table)->transactional;
    if (at != bt) return !at;
    return a.chunk.estimated_rows > b.chunk.estimated_rows;
  });
  std::map<TableName, int> nontx_left;
  for (const auto& c : work)
    if (!by_name.at(c.chunk.table)->transactional) ++nontx_left[c.chunk.table];
  // Chunks left per table: the worker that finishes a table's last one builds its deferred indexes
  // while the others copy on.
  std::map<TableName, std::atomic<int>> chunks_left;
  for (const auto& c : work) ++chunks_left[c.chunk.table];
  std::atomic<int> indexes_built{0};
  std::atomic<int> nontx_units{0};
  for (const auto& [t, n] : nontx_left) nontx_units += n;
  if (nontx_units == 0) lock->release();

  int64_t total_rows = 0;
  for (const auto& c : work) total_rows += std::max<int64_t>(c.chunk.estimated_rows, c.rows);
  std::atomic<int64_t> rows_done{0}, rows_copied{0}, bytes_done{0};
  std::atomic<int> copied_now{0}, reverified{0}, recopied{0};
  std::vector<std::string> stream_missed;
  std::atomic<int64_t> copy_us{0}, verify_us{0}, index_us{0};
  std::map<std::string, MariadbChunkCheck> checks;
  std::mutex checks_mutex;

  // Progress from its own thread.
  std::mutex progress_mutex;
  std::condition_variable progress_cv;
  bool copy_finished = false;
  auto copy_start = Clock::now();
  std::thread ticker([&] {
    if (!o.on_progress) return;
    std::unique_lock l(progress_mutex);
    while (!progress_cv.wait_for(l, o.progress_interval, [&] { return copy_finished; })) {
      o.on_progress(Progress{.phase = "copy",
                             .done = rows_done.load(),
                             .total = total_rows,
                             .rows = rows_done.load(),
                             .elapsed_seconds = since(copy_start),
                             .bytes = false});
    }
  });
  // Each worker's target proofs run on a second target connection (`prover`) while the worker copies
  // its next chunk: chunk N's sum is computed by the target as chunk N+1 streams in, and settled (the
  // comparison, the state, the table's indexes) once that copy is done. One proof in flight per worker.
  struct ProofSlot {
    std::future<ChunkSum> target;            // the target's sum of the worker's last chunk
    std::function<void(ChunkSum)> conclude;  // on the worker's thread (it uses the worker's reader)
  };
  std::vector<ProofSlot> slots(static_cast<size_t>(jobs));
  std::atomic<int64_t> wait_us{0};
  auto settle = [&](ProofSlot& slot) {
    if (!slot.target.valid()) return;
    auto t = Clock::now();
    ChunkSum sum = slot.target.get();
    wait_us += static_cast<int64_t>(since(t) * 1e6);
    auto conclude = std::move(slot.conclude);
    slot.conclude = nullptr;
    conclude(sum);
  };
  StopFlag stop;
  try {
    run_parallel(jobs, work.size(), stop, [&](int w) {
      MariadbConnection* reader = readers[static_cast<size_t>(w)].get();
      engines::MariadbConnectOptions writer_options = connect;
      writer_options.local_infile = true;
      auto writer = std::make_shared<MariadbConnection>(without_database(to), "target", writer_options);
      target_session(*writer);
      auto prover = std::make_shared<MariadbConnection>(without_database(to), "target", connect);
      target_session(*prover);
      // LOAD DATA's statements are not bound by max_allowed_packet (the file travels in packets);
      // INSERTs are.
      const bool load_data = writer->scalar("SELECT @@local_infile") == "1";
      size_t max_statement = 4u << 20;
      if (auto packet = writer->scalar("SELECT @@max_allowed_packet"))
        max_statement = std::clamp<size_t>(std::stoull(*packet) / 2, 64u << 10, 4u << 20);
      if (load_data) max_statement = 8u << 20;
      return [&, w, reader, writer, prover, max_statement, load_data](size_t i) {
        ProofSlot& slot = slots[static_cast<size_t>(w)];
        const ChunkState& cs = work[i];
        const Table& table = *by_name.at(cs.chunk.table);
        const TableName at = target_name(table.name);
        const bool was_done = cs.status == ChunkStatus::done;
        auto copy = [&]() -> CopyResult {
          auto t = Clock::now();
          pause_point("copy", cs.chunk.id);
          CopyResult r;
          for (int attempt = 1;; ++attempt) {
            try {
              r = copy_chunk(*reader, *writer, table, cs.chunk, at, state.run_id, max_statement, was_done,
                             load_data, o.verify);
              break;
            } catch (const engines::MariadbError& e) {
              writer->exec("ROLLBACK");
              // A deadlock or lock wait on the target: the chunk's transaction is undone whole; again.
              if ((e.code() != 1213 && e.code() != 1205) || attempt == 3) throw;
            }
          }
          copy_us += static_cast<int64_t>(since(t) * 1e6);
          rows_done += r.rows;
          rows_copied += r.rows;
          bytes_done += r.bytes;
          ++copied_now;
          pause_point("copied", cs.chunk.id);
          return r;
        };
        // The target's side of the proof: COUNT and sum (or COUNT alone with --verify none).
        auto target_side = [table = &table, chunk = &cs.chunk, at, verify = o.verify](MariadbConnection& c) {
          if (verify) return chunk_sum(c, *table, at, *chunk);
          Quote q = [&](const Column& col, const std::string& v) { return key_literal(c, col, v); };
          auto count = c.scalar(fmt::format("SELECT COUNT(*) FROM {}{}", qualified(at.schema, at.name),
                                            chunk_where(*table, *chunk, q)));
          return ChunkSum{std::stoll(count.value_or("0")), ""};
        };
        // The chunk's outcome: its check, the state, and the table's indexes after its last chunk.
        auto record = [&, writer, at](const ChunkState& cs, const Table& table, int64_t rows,
                                      const ChunkSum& source_sum, const ChunkSum& target_sum) {
          MariadbChunkCheck check{.id = cs.chunk.id,
                                  .range = chunk_range_text(table, cs.chunk),
                                  .source_rows = source_sum.rows,
                                  .target_rows = target_sum.rows,
                                  .source_sum = source_sum.sum,
                                  .target_sum = target_sum.sum};
          {
            std::lock_guard l(checks_mutex);
            checks[cs.chunk.id] = check;
          }
          store.update([&](State& s) {
            for (auto& c : s.chunks) {
              if (c.chunk.id != cs.chunk.id) continue;
              c.status = ChunkStatus::done;
              c.rows = rows;
              c.source = source_sum;
              c.target = target_sum;
              c.verified = check.ok();
            }
          });
          pause_point("between", cs.chunk.id);
          if (!table.transactional && --nontx_units == 0) lock->release();
          if (--chunks_left.at(table.name) == 0 && !o.verify_only) {
            auto t = Clock::now();
            indexes_built += add_deferred_indexes(*writer, at, deferred.at(table.name));
            index_us += static_cast<int64_t>(since(t) * 1e6);
          }
        };

        if (!was_done) {
          // Copied now: the source's sum was computed by rehome as its rows passed, so only the
          // target hashes, on the prover while this worker copies its next chunk (the source's server
          // is asked only if the two disagree).
          CopyResult r = copy();
          settle(slot);
          slot.target = std::async(std::launch::async, [&, target_side, prover] {
            auto t = Clock::now();
            ChunkSum sum = target_side(*prover);
            verify_us += static_cast<int64_t>(since(t) * 1e6);
            return sum;
          });
          slot.conclude = [&, reader, record, r, i](ChunkSum target_sum) {
            const ChunkState& cs = work[i];
            const Table& table = *by_name.at(cs.chunk.table);
            ChunkSum source_sum = o.verify ? r.source_sum : ChunkSum{r.rows, ""};
            if (o.verify && (source_sum.rows != target_sum.rows || source_sum.sum != target_sum.sum)) {
              auto t = Clock::now();
              source_sum = chunk_sum(*reader, table, table.name, cs.chunk);
              verify_us += static_cast<int64_t>(since(t) * 1e6);
              if (source_sum.sum == target_sum.sum && source_sum.rows == target_sum.rows) {
                std::lock_guard l(checks_mutex);
                stream_missed.push_back(cs.chunk.id);
              }
            }
            record(cs, table, r.rows, source_sum, target_sum);
          };
          return;
        }
        // Copied by an earlier run (from an older snapshot): both servers hash it, at once; a chunk
        // that differs (the source changed since) is copied again and proven again.
        settle(slot);
        int64_t rows = cs.rows;
        ChunkSum source_sum, target_sum;
        auto prove = [&] {
          auto t = Clock::now();
          if (o.verify) {
            auto source_side = std::async(std::launch::async,
                                          [&] { return chunk_sum(*reader, table, table.name, cs.chunk); });
            target_sum = target_side(*writer);
            source_sum = source_side.get();
          } else {
            target_sum = target_side(*writer);
            source_sum = {rows, ""};
          }
          verify_us += static_cast<int64_t>(since(t) * 1e6);
        };
        prove();
        if (!o.verify_only) {
          ++reverified;
          rows_done += rows;
          if (source_sum.rows != target_sum.rows || source_sum.sum != target_sum.sum) {
            ++recopied;
            CopyResult r = copy();
            rows = r.rows;
            prove();
          }
        }
        record(cs, table, rows, source_sum, target_sum);
      };
    });
    // The proofs still in flight when the workers ran out of chunks.
    for (auto& slot : slots) settle(slot);
  } catch (...) {
    {
      std::lock_guard l(progress_mutex);
      copy_finished = true;
    }
    progress_cv.notify_all();
    ticker.join();
    throw;
  }
  {
    std::lock_guard l(progress_mutex);
    copy_finished = true;
  }
  progress_cv.notify_all();
  ticker.join();
  lock->release();
  report.lock_seconds = lock->held_seconds();
  for (auto& r : readers) r->exec("COMMIT");
  report.copy_seconds = since(copy_start);
  report.copy_work_seconds = static_cast<double>(copy_us.load()) / 1e6;
  report.verify_work_seconds = static_cast<double>(verify_us.load()) / 1e6;
  report.bytes_copied = bytes_done;
  report.units = static_cast<int>(work.size());
  report.units_copied_now = copied_now;
  report.units_reverified = reverified;
  report.units_recopied = recopied;
  if (!stream_missed.empty()) {
    std::sort(stream_missed.begin(), stream_missed.end());
    report.notes.push_back(
        fmt::format("chunks {}: rehome's hash of the source rows disagreed with the target's while "
                    "the source server's agreed (a value rehome hashes unlike the server); proven "
                    "by the source server instead",
                    fmt::join(stream_missed, ", ")));
  }
  if (!o.verify_only) {
    // A run killed while building them left some out: added now (none when all are there).
    for (const auto& t : tables)
      indexes_built += add_deferred_indexes(target, target_name(t.name), deferred.at(t.name));
    if (indexes_built > 0)
      step(fmt::format("indexes: {} secondary indexes built after their tables' rows", indexes_built.load()));
  }
  // Where the time went: wall seconds of the steps before the copy, worker seconds of the rest.
  step(
      fmt::format("phases: snapshot and plan {:.1f} s, schema {:.1f} s; worker time: copy {:.1f} s{}, index "
                  "builds {:.1f} s, target's {} {:.1f} s beside the next chunk's copy (waited for: {:.1f} s)",
                  snapshot_seconds, report.schema_seconds, report.copy_work_seconds,
                  o.verify ? " (the source's sums hashed by rehome in its stream)" : "",
                  static_cast<double>(index_us.load()) / 1e6, o.verify ? "sums" : "row counts",
                  report.verify_work_seconds, static_cast<double>(wait_us.load()) / 1e6));
  store.update([](State& s) { s.copy_done = true; });
  if (!o.verify_only) mark_run(target, state.run_id, "copied");

  // Per table: the chunks' sums, and where they differ.
  const State final_state = store.snapshot();
  for (const auto& t : tables) {
    MariadbTableCheck check{.source = t.name,
                            .target = target_name(t.name),
                            .engine = t.engine,
                            .split = t.key.empty() ? "whole table" : (t.integer_key ? "integer key" : "key")};
    check.source_bytes = t.bytes;
    std::vector<ChunkSum> source_sums, target_sums;
    for (const auto& c : final_state.chunks) {
      if (c.chunk.table != t.name) continue;
      ++check.chunks;
      const auto& k = checks.at(c.chunk.id);
      check.source_rows += k.source_rows;
      check.target_rows += k.target_rows;
      source_sums.push_back({k.source_rows, k.source_sum});
      target_sums.push_back({k.target_rows, k.target_sum});
      if (!k.ok()) check.differences.push_back(k);
    }
    check.source_checksum = table_digest(source_sums);
    check.target_checksum = table_digest(target_sums);
    report.tables.push_back(std::move(check));
  }
  report.rows_copied = rows_copied.load();

  // Triggers after the data, then the objects compared, events once the data is proven.
  auto objects_start = Clock::now();
  if (!final_state.triggers_done) {
    create_objects(target, objects.triggers, db_map, report.notes);
    store.update([](State& s) { s.triggers_done = true; });
  }
  bool data_ok = true;
  for (const auto& t : report.tables) data_ok &= t.ok();
  if (data_ok && !final_state.events_done) {
    create_objects(target, objects.events, db_map, report.notes);
    store.update([](State& s) { s.events_done = true; });
  } else if (!data_ok && !objects.events.empty() && !o.verify_only) {
    report.notes.push_back("events not created: the data differs (they would run on unproven data)");
  }
  report.objects = check_objects(target, objects, db_map);
  if (!data_ok || !final_state.events_done) {
    // Events not created yet are not "missing": they wait for proven data.
    if (!data_ok)
      std::erase_if(report.objects, [](const MariadbObjectCheck& c) { return c.kind == "event"; });
  }
  report.objects_seconds = since(objects_start);
  if (report.verified() && !o.verify_only) {
    store.update([](State& s) { s.verified = true; });
    mark_run(target, state.run_id, "verified");
  }
  report.total_seconds = since(started);
  return report;
}

}  // namespace rehome::migrate
