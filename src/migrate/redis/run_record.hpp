#pragma once
// The Redis migration's identity on the target: the hash _rehome:migrate:run (run_id, started_at,
// finished_at, keys) in the first migrated target database. Redis has no schema to keep it apart, so it
// is one key, written before the copy and kept after the end, and subtracted from that database's key
// count by every comparison (the copy and the digests only ever look at the source's keys). The state
// file names the same run id (migrate/resume_decision.hpp decides resume, complete, stale).
#include <cstdint>
#include <string>

#include "engines/redis.hpp"
#include "migrate/resume_decision.hpp"

namespace rehome::migrate {

inline constexpr const char* kRedisRunKey = "_rehome:migrate:run";

struct RedisRunRecord {
  std::string run_id;                   // empty: no trace
  std::string started_at, finished_at;  // ISO 8601 UTC; finished_at empty until verified
  int64_t keys = 0;                     // the verified key count
};

RedisRunRecord read_redis_run(engines::RedisConnection& target, int db);
inline TargetTrace trace_of(const RedisRunRecord& r) {
  return {.run_id = r.run_id, .finished = !r.finished_at.empty()};
}
// Replaces the record with a new run's (started now).
void write_redis_run(engines::RedisConnection& target, int db, const std::string& run_id);
// The verified end: finished_at and the key count.
void finish_redis_run(engines::RedisConnection& target, int db, int64_t keys);

}  // namespace rehome::migrate
