#include "migrate/redis/run_record.hpp"

#include <hiredis/hiredis.h>

#include <chrono>
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace rehome::migrate {
namespace {

std::string utc_now() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}",
                     fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

}  // namespace

RedisRunRecord read_redis_run(engines::RedisConnection& target, int db) {
  target.select(db);
  auto r = target.command({"HMGET", kRedisRunKey, "run_id", "started_at", "finished_at", "keys"}, true);
  RedisRunRecord out;
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 4) return out;  // not a hash: no trace of rehome
  out.run_id = engines::reply_string(r->element[0]);
  out.started_at = engines::reply_string(r->element[1]);
  out.finished_at = engines::reply_string(r->element[2]);
  std::string keys = engines::reply_string(r->element[3]);
  out.keys = keys.empty() ? 0 : std::stoll(keys);
  return out;
}

void write_redis_run(engines::RedisConnection& target, int db, const std::string& run_id) {
  target.select(db);
  target.command({"DEL", kRedisRunKey});
  target.command({"HSET", kRedisRunKey, "run_id", run_id, "started_at", utc_now()});
}

void finish_redis_run(engines::RedisConnection& target, int db, int64_t keys) {
  target.select(db);
  target.command({"HSET", kRedisRunKey, "finished_at", utc_now(), "keys", std::to_string(keys)});
}

}  // namespace rehome::migrate
