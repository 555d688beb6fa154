// The orchestrator of `rehome migrate redis`: options, endpoints, the state file (resume or a fresh
// start into empty databases), the copy (a SourceReader on this thread, a TargetWriter on another),
// then key counts and the keys to compare again per database, and the report. The steps live in
// redis/copy_*.cpp and redis/compare.cpp.
#include "migrate/redis/migration.hpp"

#include <algorithm>
#include <charconv>
#include <exception>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/run_id.hpp"
#include "migrate/redis/run_record.hpp"
#include "migrate/redis/steps.hpp"
#include "migrate/resume_decision.hpp"

namespace rehome::migrate {
namespace {

using Clock = std::chrono::steady_clock;

std::map<int, KeyspaceEntry> keyspace(engines::RedisConnection& redis) {
  return parse_keyspace(engines::reply_string(redis.command({"INFO", "keyspace"}).get()));
}

std::string endpoint_identity(const engines::RedisEndpoint& e) {
  return fmt::format("{}:{}", e.host, e.port);
}

}  // namespace

std::vector<std::string> RedisMigrationReport::problems() const {
  std::vector<std::string> out;
  for (const auto& d : databases) {
    if (d.source_keys != d.target_keys) {
      out.push_back(
          fmt::format("db {}: {} keys on the source, {} on the target", d.db, d.source_keys, d.target_keys));
    }
    if (d.digest_mismatches > 0) {
      out.push_back(fmt::format("db {}: {} keys differ or are missing (e.g. {})", d.db, d.digest_mismatches,
                                fmt::join(d.sample_keys, ", ")));
    }
  }
  return out;
}

RedisMigrationReport migrate_redis(const RedisMigrationOptions& options) {
  const auto started = Clock::now();
  engines::RedisEndpoint from = engines::parse_redis_url(options.from, "--from"),
                         to = engines::parse_redis_url(options.to, "--to");
  if (options.batch < 0 || options.batch > 100000)
    throw UserError("--batch must be between 1 and 100000 (0 or none: the default)");
  // Keys per SCAN step: by value 4000 (each step blocks the source ~4 ms: SCAN, then MGET), per DUMP
  // script 1000 (~4 ms of Lua); --batch sets both.
  const size_t value_step = options.batch > 0 ? static_cast<size_t>(options.batch) : 4000;
  const int script_step = options.batch > 0 ? options.batch : 1000;
  if (options.method != "auto" && options.method != "dump")
    throw UserError(fmt::format("--method must be auto or dump, not '{}'", options.method));
  const bool by_value_method = options.method == "auto";
  if (endpoint_identity(from) == endpoint_identity(to)) {
    throw UserError(fmt::format("--from and --to are the same Redis ({})", from.masked),
                    "the target must be another server");
  }
  engines::RedisEndpoint from_any = from, to_any = to;
  from_any.db = to_any.db = -1;
  engines::RedisConnection source(from_any, "source"), target(to_any, "target");
  RedisMigrationReport report{.source = from.masked, .target = to.masked, .method = options.method};

  std::vector<int> dbs = options.databases;
  // `--db 1,1`: each database once (the reader and the writer thread share one progress entry per database).
  std::sort(dbs.begin(), dbs.end());
  dbs.erase(std::unique(dbs.begin(), dbs.end()), dbs.end());
  if (dbs.empty() && from.db >= 0) dbs = {from.db};
  if (dbs.empty()) {
    for (const auto& [db, entry] : keyspace(source)) dbs.push_back(db);
  }
  // A single database may land in another number on the target (redis://host/3 -> redis://other/5).
  auto target_db = [&](int db) { return dbs.size() == 1 && to.db >= 0 ? to.db : db; };

  std::string print =
      fmt::format("{}|{}|{}", endpoint_identity(from), endpoint_identity(to), fmt::join(dbs, ","));
  report.state_file = options.state_file.empty()
                          ? options.work_dir / fmt::format("redis-{:08x}.state.json",
                                                           std::hash<std::string>{}(print)&0xffffffffu)
                          : options.state_file;
  if (!report.state_file.parent_path().empty())
    std::filesystem::create_directories(report.state_file.parent_path());
  // The run's record on the target (redis/run_record.hpp), in the first migrated target database.
  const int trace_db = dbs.empty() ? 0 : target_db(dbs.front());
  const RedisRunRecord trace = read_redis_run(target, trace_db);
  // Keys per target database, the run record not counted.
  auto user_keys = [&](int db) {
    target.select(target_db(db));
    int64_t keys = engines::reply_integer(target.command({"DBSIZE"}).get());
    return keys - (target_db(db) == trace_db && !trace.run_id.empty() ? 1 : 0);
  };
  std::vector<std::string> holding;  // "database 3 holds 12 keys"
  for (int db : dbs) {
    if (int64_t keys = user_keys(db); keys > 0)
      holding.push_back(fmt::format("database {} holds {} keys", target_db(db), keys));
  }
  for (int db : dbs) {  // a source that was itself a rehome target would overwrite this run's record
    source.select(db);
    if (engines::reply_integer(source.command({"EXISTS", kRedisRunKey}).get()) > 0) {
      throw UserError(
          fmt::format("the source Redis {} holds rehome's run record {} in database {} (it was "
                      "itself the target of a migration)",
                      from.masked, kRedisRunKey, db),
          fmt::format("remove it on the source (redis-cli -n {} DEL {}) and run again", db, kRedisRunKey));
    }
  }

  RedisState state;
  bool existed = std::filesystem::exists(report.state_file);
  if (existed) {
    state = load_redis_state(report.state_file);
    if (state.fingerprint != print) {
      throw UserError(
          fmt::format("the state file {} belongs to another Redis migration", report.state_file.string()),
          "give this migration its own --state file, or its own --work-dir");
    }
  }
  bool written = false;
  for (const auto& [db, p] : state.dbs) written = written || p.started || p.done;
  const ResumeDecision decision = decide_resume(
      {.present = existed, .run_id = state.run_id, .target_written = written, .verified = state.verified},
      trace_of(trace), "", holding.empty(), options.truncate);
  if (decision.action == ResumeAction::refuse) {
    throw UserError(
        fmt::format("the state file {} is stale: {}; and the target Redis {} is not empty ({})",
                    report.state_file.string(), decision.why, to.masked, fmt::join(holding, ", ")),
        "nothing was changed. To start over, run the same command with --truncate (FLUSHDB of "
        "the migrated databases first), or migrate into empty databases");
  }
  if (decision.action == ResumeAction::restart) {
    report.stale_state = fmt::format("the state file {} is stale: {}; starting over",
                                     report.state_file.string(), decision.why);
    if (options.on_step) options.on_step("state      " + report.stale_state);
  }
  report.resumed = decision.action == ResumeAction::resume;
  report.already_complete = decision.action == ResumeAction::complete;
  if (report.already_complete) {
    state.verified = true;
    report.completed_at = trace.finished_at;
    report.original_keys = trace.keys;
  }
  if (!report.resumed && !report.already_complete) {  // a new run, into empty databases
    if (!holding.empty() && !options.truncate) {
      throw UserError(
          fmt::format("the target Redis {} is not empty: {}", to.masked, fmt::join(holding, ", ")),
          "migrate into empty databases, or add --truncate to empty them first");
    }
    for (int db : dbs) {
      if (user_keys(db) <= 0) continue;
      target.select(target_db(db));
      target.command({"FLUSHDB"});
    }
    state = RedisState{.fingerprint = print, .run_id = new_run_id()};
  }
  report.run_id = state.run_id;
  for (int db : dbs) state.dbs.try_emplace(db);
  auto save = [&] {
    write_file_atomically(report.state_file, redis_state_json(state, from.masked, to.masked));
  };
  save();
  if (!report.resumed && !report.already_complete) write_redis_run(target, trace_db, state.run_id);

  int64_t total_keys = 0;
  const auto source_keyspace = keyspace(source);
  for (const auto& [db, entry] : source_keyspace) {
    if (state.dbs.count(db) && !state.dbs[db].done) total_keys += entry.keys;
  }
  std::set<int> copied_before;  // databases an earlier run finished: verified again by a rescan
  for (int db : dbs) {
    if (state.dbs[db].done) copied_before.insert(db);
  }

  // Copy: this thread reads the source (SourceReader) and queues batches; a writer thread sends them to
  // the target, each followed by the read-back that proves it, and records the cursor once the proof
  // arrived (so a resumed run starts after it).
  CopyTally tally;
  const auto copy_started = Clock::now();
  CopyTicker ticker(options, total_keys, copy_started);
  BatchQueue queue;
  std::exception_ptr writer_error;
  std::thread writer([&] {
    try {
      TargetWriter(target.fd(), to.masked, state, save, ticker, tally).run(queue);
    } catch (...) {
      writer_error = std::current_exception();
      queue.close();
    }
  });
  try {
    SourceReader reader(source.fd(), from_any, queue, by_value_method, value_step, script_step);
    for (int db : dbs) {
      if (state.dbs[db].done) continue;
      auto entry = source_keyspace.find(db);
      bool volatile_keys = entry != source_keyspace.end() && entry->second.expires > 0;
      reader.copy_database(db, target_db(db), state.dbs[db].cursor, volatile_keys);
    }
    queue.close();
  } catch (const BatchQueue::Stopped&) {
    // the writer failed; its error is rethrown below
  } catch (...) {
    queue.close();
    writer.join();
    throw;
  }
  writer.join();
  if (writer_error) std::rethrow_exception(writer_error);
  report.keys_copied = tally.copied;
  report.keys_by_value = tally.by_value;
  report.copy_seconds = std::chrono::duration<double>(Clock::now() - copy_started).count();
  if (options.on_step) {
    options.on_step(fmt::format(
        "copy       {} keys in {:.1f} s ({} strings by value), each batch read back from the target",
        report.keys_copied, report.copy_seconds, report.keys_by_value));
  }

  // Verify: key counts; the keys of batches whose read-back differed, key by key; databases copied by
  // an earlier run, again by digests of SCAN steps on both sides.
  const auto verify_started = Clock::now();
  for (int db : dbs) {
    report.databases.push_back(check_database(source, target, db, target_db(db), tally.suspects, script_step,
                                              copied_before.count(db) > 0, tally.batches_rechecked));
    if (target_db(db) == trace_db) --report.databases.back().target_keys;  // the run record
  }
  report.batches_rechecked = tally.batches_rechecked;
  report.verify_seconds = std::chrono::duration<double>(Clock::now() - verify_started).count();
  if (report.verified()) {
    if (!report.already_complete || trace.finished_at.empty()) {
      int64_t keys = 0;
      for (const auto& d : report.databases) keys += d.source_keys;
      finish_redis_run(target, trace_db, keys);
    }
    state.verified = true;
    save();
  }
  report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return report;
}

std::vector<int> parse_redis_db_option(const std::string& text) {
  if (text.empty() || text == "all") return {};
  std::vector<int> dbs;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    int db = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), db);
    if (ec != std::errc() || end != item.data() + item.size() || db < 0 || db > 100000) {
      throw UserError(fmt::format("--db {}: '{}' is not a database number", text, item),
                      "give N, N,M or all");
    }
    dbs.push_back(db);
  }
  return dbs;
}

}  // namespace rehome::migrate
