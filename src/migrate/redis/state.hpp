#pragma once
// The state file of a Redis migration (the SCAN cursor each database reached on the target, proved by
// its read-back) and INFO keyspace parsing. Pure, but for load_redis_state reading the file.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace rehome::migrate {

struct DbProgress {
  std::string cursor = "0";
  bool started = false;
  bool done = false;
  int64_t keys = 0;
};

struct RedisState {
  std::string fingerprint;
  std::string run_id;  // the target's _rehome:migrate:run names the same run (redis/run_record.hpp)
  std::map<int, DbProgress> dbs;
  bool verified = false;
};

// The state file's text; `source` and `target` are masked URLs, for people reading it.
std::string redis_state_json(const RedisState& s, const std::string& source, const std::string& target);
// Reads a state file; anything unreadable is a UserError naming the file.
RedisState load_redis_state(const std::filesystem::path& path);

struct KeyspaceEntry {
  int64_t keys = 0, expires = 0;
};

// Databases holding keys, from INFO keyspace ("db0:keys=12,expires=0,avg_ttl=0").
std::map<int, KeyspaceEntry> parse_keyspace(std::string_view info);

}  // namespace rehome::migrate
