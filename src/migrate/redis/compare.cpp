#include "migrate/redis/compare.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <future>
#include <map>
#include <string_view>

#include "common/error.hpp"
#include "migrate/redis/scripts.hpp"

namespace rehome::migrate {

std::vector<DumpedKey> dump_keys(engines::RedisConnection& redis, const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    redis.append({"PTTL", k});
    redis.append({"DUMP", k});
  }
  std::vector<DumpedKey> out;
  out.reserve(keys.size());
  for (const auto& k : keys) {
    auto ttl = redis.reply();
    auto payload = redis.reply();
    if (payload->type != REDIS_REPLY_STRING) continue;  // deleted or expired
    out.push_back({k, engines::reply_string(payload.get()), engines::reply_integer(ttl.get())});
  }
  return out;
}

std::vector<std::string> canonical_value(engines::RedisConnection& redis, const std::string& key) {
  std::string type = engines::reply_string(redis.command({"TYPE", key}).get());
  engines::RedisReplyPtr r;
  bool sort = false, pairs = false;
  if (type == "set") {
    r = redis.command({"SMEMBERS", key});
    sort = true;
  } else if (type == "hash") {
    r = redis.command({"HGETALL", key});
    sort = pairs = true;
  } else if (type == "zset") {
    r = redis.command({"ZRANGE", key, "0", "-1", "WITHSCORES"});
  } else if (type == "list") {
    r = redis.command({"LRANGE", key, "0", "-1"});
  } else if (type == "string") {
    r = redis.command({"GET", key});
  } else {
    return {type, "(no canonical form)"};  // streams, modules: payloads must match
  }
  std::vector<std::string> items;
  if (r->type == REDIS_REPLY_STRING) items.push_back(engines::reply_string(r.get()));
  for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i += pairs ? 2 : 1) {
    std::string item = engines::reply_string(r->element[i]);
    if (pairs && i + 1 < r->elements) {
      item.push_back('\0');
      item.append(engines::reply_string(r->element[i + 1]));
    }
    items.push_back(item);
  }
  if (sort) std::sort(items.begin(), items.end());
  items.insert(items.begin(), type);
  return items;
}

void compare_keys(engines::RedisConnection& source, engines::RedisConnection& target,
                  const std::vector<std::string>& keys, RedisDbCheck& check) {
  auto on_target = std::async(std::launch::async, [&] { return dump_keys(target, keys); });
  auto on_source = dump_keys(source, keys);
  auto target_dumped = on_target.get();
  std::map<std::string_view, const DumpedKey*> mine, theirs;
  for (const auto& d : on_source) mine[d.key] = &d;
  for (const auto& d : target_dumped) theirs[d.key] = &d;
  for (const auto& key : keys) {
    auto m = mine.find(key), t = theirs.find(key);
    if (m == mine.end() && t == theirs.end()) continue;
    bool same = m != mine.end() && t != theirs.end() && (m->second->pttl > 0) == (t->second->pttl > 0) &&
                (m->second->payload == t->second->payload ||
                 canonical_value(source, key) == canonical_value(target, key));
    if (same) continue;
    ++check.digest_mismatches;
    if (check.sample_keys.size() < 5) check.sample_keys.push_back(key);
  }
}

void verify_by_rescan(engines::RedisConnection& source, engines::RedisConnection& target, int count,
                      RedisDbCheck& check, int64_t& batches_rechecked) {
  std::string cursor = "0", n = std::to_string(count);
  do {
    auto r = source.command({"EVAL", kScanDigestScript, "0", cursor, n});
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 2)
      throw UserError("unexpected digest reply from the source Redis " + source.masked_url());
    cursor = engines::reply_string(r->element[0]);
    std::string digest = engines::reply_string(r->element[1]);
    std::vector<std::string> keys;
    std::vector<std::string_view> argv = {"EVAL", kBatchDigestScript, "0"};
    for (size_t i = 2; i < r->elements; ++i) keys.push_back(engines::reply_string(r->element[i]));
    if (keys.empty()) continue;
    for (const auto& k : keys) argv.push_back(k);
    if (engines::reply_string(target.command(argv).get()) == digest) continue;
    ++batches_rechecked;
    compare_keys(source, target, keys, check);
  } while (cursor != "0");
}

RedisDbCheck check_database(engines::RedisConnection& source, engines::RedisConnection& target, int db,
                            int target_db, const std::vector<Suspect>& suspects, int step, bool rescan,
                            int64_t& batches_rechecked) {
  RedisDbCheck check{.db = db};
  source.select(db);
  target.select(target_db);
  check.source_keys = engines::reply_integer(source.command({"DBSIZE"}).get());
  check.target_keys = engines::reply_integer(target.command({"DBSIZE"}).get());
  std::vector<std::string> keys;
  for (const auto& s : suspects) {
    if (s.db == db) keys.push_back(s.key);
  }
  for (size_t at = 0; at < keys.size(); at += static_cast<size_t>(step)) {
    std::vector<std::string> some(
        keys.begin() + static_cast<std::ptrdiff_t>(at),
        keys.begin() + static_cast<std::ptrdiff_t>(std::min(keys.size(), at + static_cast<size_t>(step))));
    compare_keys(source, target, some, check);
  }
  if (rescan) verify_by_rescan(source, target, step, check, batches_rechecked);
  return check;
}

}  // namespace rehome::migrate
