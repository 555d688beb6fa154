#pragma once
// `rehome migrate redis`: per SCAN step on the source, strings by value (MGET inside MULTI, with
// INFO keyspace proving the database holds no volatile key, or with PTTL of each key where it does)
// and every other key by PTTL + DUMP; on the target MSET (+ PEXPIRE) and pipelined RESTORE (a reader
// and a writer thread overlap), TTLs kept, every database. Each batch is read back from the target
// (MGET values, DUMP payloads, TTL presence) and compared key by key with what was read from the
// source before its SCAN cursor is recorded; keys that differ are compared again at the end. Then
// key counts per database. Resumable from the recorded cursor (MSET and RESTORE ... REPLACE make a
// batch copied twice harmless).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "migrate/progress.hpp"
#include "migrate/resume_decision.hpp"

namespace rehome::migrate {

struct RedisMigrationOptions {
  std::string from, to;
  std::vector<int> databases;  // empty: every database holding keys (or the URL's /N)
  int batch = 0;               // SCAN COUNT, keys per step; 0: 4000 by value, 1000 per DUMP script
  bool truncate = false;       // FLUSHDB target databases that already hold keys
  // "auto": strings by value (MGET/MSET, PEXPIRE for TTLs), the rest DUMP/RESTORE;
  // "dump": DUMP/RESTORE for every key.
  std::string method = "auto";
  std::filesystem::path work_dir = default_work_dir;  // the folder of the state file
  std::filesystem::path state_file;                   // empty: <work_dir>/redis-<hash>.state.json
  std::function<void(const Progress&)> on_progress;
  std::chrono::milliseconds progress_interval{1000};
  std::function<void(const std::string&)> on_step;
};

struct RedisDbCheck {
  int db = 0;
  int64_t source_keys = 0, target_keys = 0;
  int64_t digest_mismatches = 0;         // keys whose value or TTL presence differs (or missing)
  std::vector<std::string> sample_keys;  // a few of them, for the message
  bool ok() const { return source_keys == target_keys && digest_mismatches == 0; }
};

struct RedisMigrationReport {
  std::string source, target;
  std::filesystem::path state_file;
  bool resumed = false;
  bool already_complete = false;  // the state and the target's run record said done: only verified again
  std::string run_id;             // the run (state file and the target's _rehome:migrate:run)
  std::string stale_state;        // why an existing state file was set aside ("" when it was not)
  std::string completed_at;       // already_complete: when the run finished (UTC), and its key count
  int64_t original_keys = 0;
  std::string method;
  int64_t keys_copied = 0;
  int64_t keys_by_value = 0;      // strings copied with MGET/MSET (the rest with DUMP/RESTORE)
  int64_t batches_rechecked = 0;  // batches whose read-back differed from the source, so compared key by key
  double copy_seconds = 0, verify_seconds = 0, seconds = 0;
  std::vector<RedisDbCheck> databases;
  double keys_per_second() const {
    return copy_seconds > 0 ? static_cast<double>(keys_copied) / copy_seconds : 0;
  }
  bool verified() const { return problems().empty(); }
  std::vector<std::string> problems() const;
};

RedisMigrationReport migrate_redis(const RedisMigrationOptions& options);

// Evidence: the report as `rehome migrate redis --json` prints it and `rehome report` reads it back.
inline constexpr const char* kRedisMigrationKind = "rehome.migration.redis";
inline constexpr int kRedisMigrationFormat = 1;
nlohmann::json to_json(const RedisMigrationReport& report);
RedisMigrationReport redis_migration_from_json(const nlohmann::json& j);

// --db: "all" -> {} (every database that holds keys); "3" -> {3}; "0,2" -> {0, 2}.
std::vector<int> parse_redis_db_option(const std::string& text);

}  // namespace rehome::migrate
