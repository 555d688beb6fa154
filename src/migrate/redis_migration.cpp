#include "migrate/redis_migration.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <map>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "migrate/redis_connection.hpp"
#include "migrate/test_pause.hpp"

namespace rehome::migrate {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct DbProgress {
  std::string cursor = "0";
  bool started = false;
  bool done = false;
  int64_t keys = 0;
};

struct RedisState {
  std::string fingerprint;
  std::map<int, DbProgress> dbs;
  bool verified = false;
};

std::string state_json(const RedisState& s, const std::string& source, const std::string& target) {
  json dbs = json::array();
  for (const auto& [db, p] : s.dbs) {
    dbs.push_back(
        {{"db", db}, {"cursor", p.cursor}, {"started", p.started}, {"done", p.done}, {"keys", p.keys}});
  }
  return json{{"kind", "rehome-migrate-redis-state"},
              {"fingerprint", s.fingerprint},
              {"source", source},
              {"target", target},
              {"verified", s.verified},
              {"databases", dbs}}
             .dump(1) +
         "\n";
}

RedisState load_state(const std::filesystem::path& path) {
  try {
    json j = json::parse(read_file(path));
    if (j.value("kind", "") != "rehome-migrate-redis-state")
      throw std::runtime_error("not a redis migration state");
    RedisState s{.fingerprint = j.at("fingerprint"), .verified = j.value("verified", false)};
    for (const auto& d : j.at("databases")) {
      s.dbs[d.at("db")] = {.cursor = d.at("cursor"),
                           .started = d.value("started", false),
                           .done = d.value("done", false),
                           .keys = d.value("keys", int64_t{0})};
    }
    return s;
  } catch (const UserError&) {
    throw;
  } catch (const std::exception& e) {
    throw UserError(
        fmt::format("{}: not a readable rehome redis migration state file ({})", path.string(), e.what()),
        "delete it to start again from the beginning");
  }
}

// Databases holding keys, from INFO keyspace ("db0:keys=12,expires=0,avg_ttl=0").
std::map<int, int64_t> keyspace(RedisConnection& redis) {
  std::map<int, int64_t> dbs;
  std::string info = reply_string(redis.command({"INFO", "keyspace"}).get());
  size_t at = 0;
  while ((at = info.find("\ndb", at)) != std::string::npos) {
    at += 3;
    int db = std::stoi(info.substr(at));
    size_t keys = info.find("keys=", at);
    if (keys != std::string::npos) dbs[db] = std::stoll(info.substr(keys + 5));
  }
  return dbs;
}

struct Batch {
  std::string next_cursor;
  std::vector<std::string> keys;
};

Batch scan(RedisConnection& source, const std::string& cursor, int count) {
  std::string n = std::to_string(count);
  auto r = source.command({"SCAN", cursor, "COUNT", n});
  Batch batch;
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 2)
    throw UserError("unexpected SCAN reply from " + source.masked_url());
  batch.next_cursor = reply_string(r->element[0]);
  for (size_t i = 0; i < r->element[1]->elements; ++i)
    batch.keys.push_back(reply_string(r->element[1]->element[i]));
  return batch;
}

struct Dumped {
  std::string key;
  std::string payload;
  int64_t pttl = 0;  // -1: no expiry
};

// PTTL + DUMP of each key in one round trip; keys that vanished meanwhile are left out.
std::vector<Dumped> dump_keys(RedisConnection& redis, const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    redis.append({"PTTL", k});
    redis.append({"DUMP", k});
  }
  std::vector<Dumped> out;
  out.reserve(keys.size());
  for (const auto& k : keys) {
    auto ttl = redis.reply();
    auto payload = redis.reply();
    if (payload->type != REDIS_REPLY_STRING) continue;  // deleted or expired since SCAN
    out.push_back({k, reply_string(payload.get()), reply_integer(ttl.get())});
  }
  return out;
}

void restore_keys(RedisConnection& target, const std::vector<Dumped>& dumped) {
  std::vector<std::string> ttls;
  ttls.reserve(dumped.size());
  for (const auto& d : dumped) ttls.push_back(std::to_string(d.pttl > 0 ? d.pttl : 0));
  for (size_t i = 0; i < dumped.size(); ++i)
    target.append({"RESTORE", dumped[i].key, ttls[i], dumped[i].payload, "REPLACE"});
  for (const auto& d : dumped) {
    auto r = target.reply();
    if (is_error(r.get())) {
      throw UserError(fmt::format("RESTORE of key '{}' failed on the target {}: {}", d.key,
                                  target.masked_url(), reply_string(r.get())),
                      "the target Redis must be the same version as the source or newer");
    }
  }
}

// The value of a key in a form independent of the server's internal layout: DUMP payloads of the same
// set or hash can list members in a different order (hash table iteration), so those are compared
// as sorted member lists. Used only when payloads differ, so the common case stays one DUMP per side.
std::vector<std::string> canonical_value(RedisConnection& redis, const std::string& key) {
  std::string type = reply_string(redis.command({"TYPE", key}).get());
  RedisReplyPtr r;
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
  if (r->type == REDIS_REPLY_STRING) items.push_back(reply_string(r.get()));
  for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i += pairs ? 2 : 1) {
    std::string item = reply_string(r->element[i]);
    if (pairs && i + 1 < r->elements) {
      item.push_back('\0');
      item.append(reply_string(r->element[i + 1]));
    }
    items.push_back(item);
  }
  if (sort) std::sort(items.begin(), items.end());
  items.insert(items.begin(), type);
  return items;
}

std::string endpoint_identity(const RedisEndpoint& e) { return fmt::format("{}:{}", e.host, e.port); }

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
  RedisEndpoint from = parse_redis_url(options.from, "--from"), to = parse_redis_url(options.to, "--to");
  if (options.batch < 1 || options.batch > 100000) throw UserError("--batch must be between 1 and 100000");
  if (endpoint_identity(from) == endpoint_identity(to)) {
    throw UserError(fmt::format("--from and --to are the same Redis ({})", from.masked),
                    "the target must be another server");
  }
  RedisEndpoint from_any = from, to_any = to;
  from_any.db = to_any.db = -1;
  RedisConnection source(from_any, "source"), target(to_any, "target");
  RedisMigrationReport report{.source = from.masked, .target = to.masked};

  std::vector<int> dbs = options.databases;
  if (dbs.empty() && from.db >= 0) dbs = {from.db};
  if (dbs.empty()) {
    for (const auto& [db, keys] : keyspace(source)) dbs.push_back(db);
  }
  // A single database may land in another number on the target (redis://host/3 -> redis://other/5).
  auto target_db = [&](int db) { return dbs.size() == 1 && to.db >= 0 ? to.db : db; };

  std::string print =
      fmt::format("{}|{}|{}", endpoint_identity(from), endpoint_identity(to), fmt::join(dbs, ","));
  report.state_file = options.state_file.empty()
                          ? std::filesystem::path(fmt::format("rehome-migrate-redis-{:08x}.state.json",
                                                              std::hash<std::string>{}(print)&0xffffffffu))
                          : options.state_file;
  RedisState state;
  if (std::filesystem::exists(report.state_file)) {
    state = load_state(report.state_file);
    if (state.fingerprint != print) {
      throw UserError(
          fmt::format("the state file {} belongs to another Redis migration", report.state_file.string()),
          "give this migration its own --state file");
    }
    report.resumed = !state.verified;
  } else {
    state.fingerprint = print;
    for (int db : dbs) {
      target.select(target_db(db));
      int64_t keys = reply_integer(target.command({"DBSIZE"}).get());
      if (keys == 0) continue;
      if (!options.truncate) {
        throw UserError(fmt::format("the target Redis {} is not empty: database {} holds {} keys", to.masked,
                                    target_db(db), keys),
                        "migrate into empty databases, or add --truncate to empty them first");
      }
      target.command({"FLUSHDB"});
    }
  }
  for (int db : dbs) state.dbs.try_emplace(db);
  auto save = [&] { write_file_atomically(report.state_file, state_json(state, from.masked, to.masked)); };
  save();

  int64_t total_keys = 0;
  for (const auto& [db, keys] : keyspace(source)) {
    if (state.dbs.count(db) && !state.dbs[db].done) total_keys += keys;
  }
  std::atomic<int64_t> copied{0};
  auto last_save = Clock::now(), last_progress = Clock::now();
  const auto copy_started = Clock::now();
  auto tick = [&] {
    auto now = Clock::now();
    if (options.on_progress && now - last_progress >= options.progress_interval) {
      last_progress = now;
      options.on_progress({.phase = "redis",
                           .done = copied,
                           .total = total_keys,
                           .elapsed_seconds = std::chrono::duration<double>(now - copy_started).count(),
                           .bytes = false});
    }
  };

  for (int db : dbs) {
    DbProgress& progress = state.dbs[db];
    if (progress.done) continue;
    source.select(db);
    target.select(target_db(db));
    std::string cursor = progress.cursor;
    std::future<void> writing;  // the target restores batch k while the source dumps batch k+1
    std::string written_cursor = cursor;
    int64_t written_keys = 0;
    auto finish_write = [&] {
      if (!writing.valid()) return;
      writing.get();
      progress.cursor = written_cursor;
      progress.started = true;
      progress.keys += written_keys;
      copied += written_keys;
      if (Clock::now() - last_save >= std::chrono::milliseconds(500)) {
        save();
        last_save = Clock::now();
      }
      tick();
    };
    bool first = true;
    do {
      Batch batch = scan(source, cursor, options.batch);
      auto dumped = std::make_shared<std::vector<Dumped>>(dump_keys(source, batch.keys));
      finish_write();
      written_cursor = batch.next_cursor;
      written_keys = static_cast<int64_t>(dumped->size());
      writing = std::async(std::launch::async, [&target, dumped] { restore_keys(target, *dumped); });
      cursor = batch.next_cursor;
      if (first && cursor != "0") {
        finish_write();
        save();
        pause_point("redis", std::to_string(db));
      }
      first = false;
    } while (cursor != "0");
    finish_write();
    progress.done = true;
    save();
  }
  report.keys_copied = copied;
  report.copy_seconds = std::chrono::duration<double>(Clock::now() - copy_started).count();
  if (options.on_step) {
    options.on_step(fmt::format("copy       {} keys in {:.1f} s", report.keys_copied, report.copy_seconds));
  }

  // Verify: key counts, then every source key's DUMP payload and TTL presence against the target's.
  const auto verify_started = Clock::now();
  for (int db : dbs) {
    RedisDbCheck check{.db = db};
    source.select(db);
    target.select(target_db(db));
    check.source_keys = reply_integer(source.command({"DBSIZE"}).get());
    check.target_keys = reply_integer(target.command({"DBSIZE"}).get());
    std::string cursor = "0";
    do {
      Batch batch = scan(source, cursor, options.batch);
      auto on_target =
          std::async(std::launch::async, [&target, &batch] { return dump_keys(target, batch.keys); });
      auto on_source = dump_keys(source, batch.keys);
      std::map<std::string_view, const Dumped*> theirs;
      auto target_dumped = on_target.get();
      for (const auto& d : target_dumped) theirs[d.key] = &d;
      for (const auto& mine : on_source) {
        auto it = theirs.find(mine.key);
        bool same = it != theirs.end() && (it->second->pttl > 0) == (mine.pttl > 0) &&
                    (it->second->payload == mine.payload ||
                     canonical_value(source, mine.key) == canonical_value(target, mine.key));
        if (same) continue;
        ++check.digest_mismatches;
        if (check.sample_keys.size() < 5) check.sample_keys.push_back(mine.key);
      }
      cursor = batch.next_cursor;
    } while (cursor != "0");
    report.databases.push_back(check);
  }
  report.verify_seconds = std::chrono::duration<double>(Clock::now() - verify_started).count();
  if (report.verified()) {
    state.verified = true;
    save();
  }
  report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return report;
}

}  // namespace rehome::migrate
