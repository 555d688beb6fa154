#include "migrate/redis_migration.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "migrate/redis_connection.hpp"
#include "migrate/redis_resp.hpp"
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

struct KeyspaceEntry {
  int64_t keys = 0, expires = 0;
};

// Databases holding keys, from INFO keyspace ("db0:keys=12,expires=0,avg_ttl=0").
std::map<int, KeyspaceEntry> parse_keyspace(std::string_view info) {
  std::map<int, KeyspaceEntry> dbs;
  size_t at = 0;
  while ((at = info.find("\ndb", at)) != std::string::npos) {
    at += 3;
    int db = 0;
    std::from_chars(info.data() + at, info.data() + info.size(), db);
    KeyspaceEntry& e = dbs[db];
    size_t keys = info.find("keys=", at), expires = info.find("expires=", at);
    if (keys != std::string::npos) std::from_chars(info.data() + keys + 5, info.data() + info.size(), e.keys);
    if (expires != std::string::npos)
      std::from_chars(info.data() + expires + 8, info.data() + info.size(), e.expires);
  }
  return dbs;
}

std::map<int, KeyspaceEntry> keyspace(RedisConnection& redis) {
  return parse_keyspace(reply_string(redis.command({"INFO", "keyspace"}).get()));
}

// One SCAN step on the source inside a script: the keys' PTTL and DUMP in one call, up to a byte budget.
// ARGV: cursor, count, budget, database. Reply: {next cursor, number of keys left over (not dumped
// because the budget ran out), then key, pttl, payload for each dumped key, then the left-over key
// names}. A database without any volatile key at that instant (INFO keyspace, read inside the same
// atomic script) needs no PTTL: every key is persistent (-1).
const char* const kScanDumpScript = R"lua(
local r = redis.call('SCAN', ARGV[1], 'COUNT', ARGV[2])
local keys, budget = r[2], tonumber(ARGV[3])
local expires = string.match(redis.call('INFO', 'keyspace'), 'db' .. ARGV[4] .. ':keys=%d+,expires=(%d+)')
local ttls = expires ~= nil and expires ~= '0'
local out = {r[1], 0}
local used, i = 0, 1
while i <= #keys and used < budget do
  local k = keys[i]
  local d = redis.call('DUMP', k)
  if d then
    out[#out + 1] = k
    out[#out + 1] = ttls and redis.call('PTTL', k) or -1
    out[#out + 1] = d
    used = used + #d
  end
  i = i + 1
end
out[2] = #keys - i + 1
for j = i, #keys do out[#out + 1] = keys[j] end
return out
)lua";

// The digest of what a server holds for the keys in ARGV: SHA-1 over one record per key, 'T' (a TTL) or
// 'P' (persistent), the DUMP payload's length, ':', the payload ('N' for a missing key).
const char* const kBatchDigestScript = R"lua(
local parts = {}
for i = 1, #ARGV do
  local d = redis.call('DUMP', ARGV[i])
  if d then
    local flag = redis.call('PTTL', ARGV[i]) > 0 and 'T' or 'P'
    parts[#parts + 1] = flag .. #d .. ':'
    parts[#parts + 1] = d
  else
    parts[#parts + 1] = 'N'
  end
end
return redis.sha1hex(table.concat(parts))
)lua";

// Re-verification of a database copied by an earlier run: one SCAN step, and the digest of its keys
// (records as in redis_digest.hpp). ARGV: cursor, count. Reply: {next cursor, digest, keys...}.
const char* const kScanDigestScript = R"lua(
local r = redis.call('SCAN', ARGV[1], 'COUNT', ARGV[2])
local parts, out = {}, {r[1], ''}
for _, k in ipairs(r[2]) do
  local d = redis.call('DUMP', k)
  if d then
    out[#out + 1] = k  -- the same records as kBatchDigestScript
    local flag = redis.call('PTTL', k) > 0 and 'T' or 'P'
    parts[#parts + 1] = flag .. #d .. ':'
    parts[#parts + 1] = d
  end
end
out[2] = redis.sha1hex(table.concat(parts))
return out
)lua";

constexpr size_t kBatchBytes = size_t{4} << 20;  // payload bytes per batch, beyond which a batch is cut

// Keys per DUMP script call on a separate connection (keys the by-value path cannot carry: other
// types, and every key of a step during which a TTL appeared).
const char* const kDumpKeysScript = R"lua(
local budget, used, out, i = tonumber(ARGV[1]), 0, {0}, 2
while i <= #ARGV and used < budget do
  local k = ARGV[i]
  local d = redis.call('DUMP', k)
  if d then
    out[#out + 1] = k
    out[#out + 1] = redis.call('PTTL', k)
    out[#out + 1] = d
    used = used + #d
  end
  i = i + 1
end
out[1] = i - 2
return out
)lua";

// A batch on its way to the target: MSET of the strings copied by value and RESTORE commands of the
// rest, then the read-back that proves them (MGET of the strings, compared with the values sent; DUMP
// of every restored key, compared with the payload sent; PTTL too where TTLs occur, else INFO keyspace
// showing the database holds no volatile key), as bytes.
struct CopyBatch {
  int db = 0, target_db = 0;
  std::string mset_head;  // "*N $4 MSET", sent before `mset`
  std::string mset;       // key value bulks
  std::string expire;     // PEXPIRE key ms for each string copied by value that has a TTL, after MSET
  std::string restore;    // RESTORE key ttl payload REPLACE, one per key
  std::string readback;   // MGET; DUMP key [PTTL key] per restored key; PTTL per string key or INFO
  bool check_ttl = false;
  struct Key {
    size_t key_at, key_len, value_at, value_len;
    bool has_ttl;
  };
  std::vector<Key> plain;                   // in `mset`: values
  size_t expiring = 0;                      // plain keys with a TTL (PEXPIRE replies due after MSET's)
  std::vector<Key> restored;                // in `restore`: DUMP payloads
  std::optional<std::string> cursor_after;  // the SCAN cursor once this batch is on the target
  bool last = false;                        // the database is copied once it is
  size_t size() const { return plain.size() + restored.size(); }
  std::string_view plain_key(size_t i) const {
    return std::string_view(mset).substr(plain[i].key_at, plain[i].key_len);
  }
  std::string_view value(size_t i) const {
    return std::string_view(mset).substr(plain[i].value_at, plain[i].value_len);
  }
  std::string_view key(size_t i) const {
    return std::string_view(restore).substr(restored[i].key_at, restored[i].key_len);
  }
  std::string_view payload(size_t i) const {
    return std::string_view(restore).substr(restored[i].value_at, restored[i].value_len);
  }
};

class BatchBuilder {
 public:
  // `volatile_keys`: the source database held keys with a TTL when the copy began.
  BatchBuilder(int db, int target_db, bool volatile_keys)
      : db_(db), target_db_(target_db), volatile_keys_(volatile_keys) {
    reset();
  }
  // A string copied by value (MSET), with its PTTL (-1: none; else PEXPIRE after the MSET).
  void add_value(std::string_view key, std::string_view value, int64_t pttl) {
    append_bulk(batch_.mset, key);
    size_t key_at = batch_.mset.size() - 2 - key.size();
    append_bulk(batch_.mset, value);
    bool has_ttl = pttl >= 0;
    batch_.plain.push_back(
        {key_at, key.size(), batch_.mset.size() - 2 - value.size(), value.size(), has_ttl});
    bytes_ += value.size() + key.size();
    if (!has_ttl) return;
    append_command(batch_.expire, {"PEXPIRE", key, std::to_string(std::max<int64_t>(pttl, 1))});
    ++batch_.expiring;
    batch_.check_ttl = true;
  }
  // Any key by its DUMP payload (RESTORE).
  void add(std::string_view key, int64_t pttl, std::string_view payload) {
    char ttl[24];
    auto [end, ec] = std::to_chars(ttl, ttl + sizeof ttl, pttl > 0 ? pttl : 0);
    batch_.restore.append("*5\r\n$7\r\nRESTORE\r\n", 17);
    append_bulk(batch_.restore, key);
    size_t key_at = batch_.restore.size() - 2 - key.size();
    append_bulk(batch_.restore, std::string_view(ttl, static_cast<size_t>(end - ttl)));
    append_bulk(batch_.restore, payload);
    size_t payload_at = batch_.restore.size() - 2 - payload.size();
    batch_.restore.append("$7\r\nREPLACE\r\n", 13);
    batch_.restored.push_back({key_at, key.size(), payload_at, payload.size(), pttl > 0});
    batch_.check_ttl = batch_.check_ttl || pttl > 0;
    bytes_ += payload.size() + key.size();
  }
  bool full() const { return bytes_ >= kBatchBytes; }
  bool empty() const { return batch_.size() == 0; }
  CopyBatch take(std::optional<std::string> cursor_after, bool last) {
    CopyBatch out = std::move(batch_);
    out.cursor_after = std::move(cursor_after);
    out.last = last;
    if (!out.plain.empty()) {
      append_array_header(out.mset_head, 1 + 2 * out.plain.size());
      append_bulk(out.mset_head, "MSET");
      append_array_header(out.readback, 1 + out.plain.size());
      append_bulk(out.readback, "MGET");
      for (size_t i = 0; i < out.plain.size(); ++i) append_bulk(out.readback, out.plain_key(i));
    }
    for (size_t i = 0; i < out.restored.size(); ++i) {
      out.readback.append("*2\r\n$4\r\nDUMP\r\n", 14);
      append_bulk(out.readback, out.key(i));
      if (out.check_ttl) {
        out.readback.append("*2\r\n$4\r\nPTTL\r\n", 14);
        append_bulk(out.readback, out.key(i));
      }
    }
    if (out.check_ttl) {
      for (size_t i = 0; i < out.plain.size(); ++i) {
        out.readback.append("*2\r\n$4\r\nPTTL\r\n", 14);
        append_bulk(out.readback, out.plain_key(i));
      }
    } else if (out.size() > 0) {
      append_command(out.readback, {"INFO", "keyspace"});
    }
    reset();
    return out;
  }

 private:
  void reset() {
    batch_ = CopyBatch{.db = db_, .target_db = target_db_, .check_ttl = volatile_keys_};
    bytes_ = 0;
  }
  int db_, target_db_;
  bool volatile_keys_;
  CopyBatch batch_;
  size_t bytes_ = 0;
};

// Batches from the source reader to the target writer; bounded, so memory stays a few batches.
class BatchQueue {
 public:
  void push(CopyBatch batch) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return queue_.size() < 3 || closed_; });
    if (closed_) throw Stopped();
    queue_.push_back(std::move(batch));
    changed_.notify_all();
  }
  std::optional<CopyBatch> pop() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !queue_.empty() || closed_; });
    if (queue_.empty()) return std::nullopt;
    CopyBatch out = std::move(queue_.front());
    queue_.pop_front();
    changed_.notify_all();
    return out;
  }
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }
  struct Stopped {};

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<CopyBatch> queue_;
  bool closed_ = false;
};

struct Dumped {
  std::string key;
  std::string payload;
  int64_t pttl = 0;  // -1: no expiry, -2: missing
};

// PTTL + DUMP of each key in one round trip; keys missing are left out.
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
    if (payload->type != REDIS_REPLY_STRING) continue;  // deleted or expired
    out.push_back({k, reply_string(payload.get()), reply_integer(ttl.get())});
  }
  return out;
}

// The value of a key in a form independent of the server's internal layout: DUMP payloads of the same
// set or hash can list members in a different order (hash table iteration), so those are compared
// as sorted member lists. Used only when payloads differ.
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

// Key by key, source against target (both now): the same payload, or the same canonical value, and
// TTL presence alike; a key gone from both sides (expired, deleted) is no difference.
void compare_keys(RedisConnection& source, RedisConnection& target, const std::vector<std::string>& keys,
                  RedisDbCheck& check) {
  auto on_target = std::async(std::launch::async, [&] { return dump_keys(target, keys); });
  auto on_source = dump_keys(source, keys);
  auto target_dumped = on_target.get();
  std::map<std::string_view, const Dumped*> mine, theirs;
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

// Re-verification of a database an earlier run copied: the source's digest of each SCAN step against
// the target's digest of the same keys; key by key only where they differ.
void verify_by_rescan(RedisConnection& source, RedisConnection& target, int count, RedisDbCheck& check,
                      int64_t& batches_rechecked) {
  std::string cursor = "0", n = std::to_string(count);
  do {
    auto r = source.command({"EVAL", kScanDigestScript, "0", cursor, n});
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 2)
      throw UserError("unexpected digest reply from the source Redis " + source.masked_url());
    cursor = reply_string(r->element[0]);
    std::string digest = reply_string(r->element[1]);
    std::vector<std::string> keys;
    std::vector<std::string_view> argv = {"EVAL", kBatchDigestScript, "0"};
    for (size_t i = 2; i < r->elements; ++i) keys.push_back(reply_string(r->element[i]));
    if (keys.empty()) continue;
    for (const auto& k : keys) argv.push_back(k);
    if (reply_string(target.command(argv).get()) == digest) continue;
    ++batches_rechecked;
    compare_keys(source, target, keys, check);
  } while (cursor != "0");
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
  if (options.batch < 0 || options.batch > 100000) throw UserError("--batch must be between 1 and 100000");
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
  RedisEndpoint from_any = from, to_any = to;
  from_any.db = to_any.db = -1;
  RedisConnection source(from_any, "source"), target(to_any, "target");
  RedisMigrationReport report{.source = from.masked, .target = to.masked, .method = options.method};

  std::vector<int> dbs = options.databases;
  if (dbs.empty() && from.db >= 0) dbs = {from.db};
  if (dbs.empty()) {
    for (const auto& [db, entry] : keyspace(source)) dbs.push_back(db);
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
  const auto source_keyspace = keyspace(source);
  for (const auto& [db, entry] : source_keyspace) {
    if (state.dbs.count(db) && !state.dbs[db].done) total_keys += entry.keys;
  }
  std::set<int> copied_before;  // databases an earlier run finished: verified again by a rescan
  for (int db : dbs) {
    if (state.dbs[db].done) copied_before.insert(db);
  }

  // Copy: this thread runs SCAN + PTTL + DUMP scripts on the source and turns each reply into RESTORE
  // commands; a writer thread sends them to the target, each batch followed by the digest script that
  // proves it, and records the cursor once the proof arrived (so a resumed run starts after it).
  std::atomic<int64_t> copied{0};
  int64_t by_value = 0;
  struct Suspect {
    int db;
    std::string key;
  };
  std::vector<Suspect> suspects;  // keys of batches whose digest differed, compared key by key below
  int64_t batches_rechecked = 0;
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

  BatchQueue queue;
  std::exception_ptr writer_error;
  std::thread writer([&] {
    try {
      RespStream out(target.fd(), "the target Redis " + to.masked);
      std::optional<CopyBatch> in_flight;
      bool select_in_flight = false;
      int selected = -1;
      std::set<int> paused;
      auto complete = [&](CopyBatch& b, bool with_select) {
        if (with_select) {
          if (auto err = out.status_or_error()) {
            throw UserError(
                fmt::format("the target Redis {} has no database {}: {}", to.masked, b.target_db, *err),
                "raise `databases` in the target's redis.conf, or choose databases with --db");
          }
        }
        if (!b.plain.empty()) {
          if (auto err = out.status_or_error()) {
            throw UserError(
                fmt::format("MSET of {} keys failed on the target {}: {}", b.plain.size(), to.masked, *err));
          }
        }
        for (size_t i = 0; i < b.expiring; ++i) out.integer();  // each TTL is proved by PTTL below
        for (size_t i = 0; i < b.restored.size(); ++i) {
          if (auto err = out.status_or_error()) {
            throw UserError(
                fmt::format("RESTORE of key '{}' failed on the target {}: {}", b.key(i), to.masked, *err),
                "the target Redis must be the same version as the source or newer");
          }
        }
        std::vector<char> plain_bad(b.plain.size(), 0);
        if (!b.plain.empty()) {
          if (out.array() != static_cast<int64_t>(b.plain.size()))
            throw UserError(fmt::format("unexpected MGET reply from the target {}", to.masked));
          for (size_t i = 0; i < b.plain.size(); ++i) {
            auto value = out.bulk();
            plain_bad[i] = !value || *value != b.value(i);
          }
        }
        bool differs = false;
        for (size_t i = 0; i < b.restored.size(); ++i) {
          auto payload = out.bulk();
          bool same = payload && *payload == b.payload(i);
          if (b.check_ttl) same = (out.integer() > 0) == b.restored[i].has_ttl && same;
          if (same) continue;
          differs = true;
          suspects.push_back({b.db, std::string(b.key(i))});
        }
        for (size_t i = 0; i < b.plain.size(); ++i) {
          if (b.check_ttl && (out.integer() > 0) != b.plain[i].has_ttl) plain_bad[i] = 1;
          if (!plain_bad[i]) continue;
          differs = true;
          suspects.push_back({b.db, std::string(b.plain_key(i))});
        }
        if (b.size() > 0 && !b.check_ttl) {
          auto info = out.bulk();
          auto dbs = parse_keyspace(info.value_or(""));
          if (dbs.count(b.target_db) && dbs[b.target_db].expires > 0) {  // a TTL appeared: check each key
            differs = true;
            for (size_t i = 0; i < b.restored.size(); ++i) suspects.push_back({b.db, std::string(b.key(i))});
            for (size_t i = 0; i < b.plain.size(); ++i)
              suspects.push_back({b.db, std::string(b.plain_key(i))});
          }
        }
        if (differs) ++batches_rechecked;
        DbProgress& progress = state.dbs[b.db];
        if (b.cursor_after) progress.cursor = *b.cursor_after;
        progress.started = true;
        progress.keys += static_cast<int64_t>(b.size());
        progress.done = b.last;
        copied += static_cast<int64_t>(b.size());
        by_value += static_cast<int64_t>(b.plain.size());
        bool first = paused.insert(b.db).second;
        if (b.last || first || Clock::now() - last_save >= std::chrono::milliseconds(500)) {
          save();
          last_save = Clock::now();
        }
        tick();
        if (first && !b.last) pause_point("redis", std::to_string(b.db));
      };
      for (;;) {
        std::optional<CopyBatch> next = queue.pop();
        bool with_select = false;
        if (next) {
          std::string select;
          if (next->target_db != selected) {
            append_command(select, {"SELECT", std::to_string(next->target_db)});
            selected = next->target_db;
            with_select = true;
          }
          out.send(select);
          out.send(next->mset_head);
          out.send(next->mset);
          out.send(next->expire);
          out.send(next->restore);
          out.send(next->readback);
        }
        if (in_flight) complete(*in_flight, select_in_flight);
        in_flight = std::move(next);
        select_in_flight = with_select;
        if (!in_flight) break;
      }
    } catch (...) {
      writer_error = std::current_exception();
      queue.close();
    }
  });

  try {
    RespStream in(source.fd(), "the source Redis " + from.masked);
    const std::string count = std::to_string(script_step), budget = std::to_string(kBatchBytes);
    std::string db_text;
    auto request = [&](const std::string& cursor) {
      std::string cmd;
      append_command(cmd, {"EVAL", kScanDumpScript, "0", cursor, count, budget, db_text});
      in.send(cmd);
    };
    // Keys the by-value path cannot carry (other types; every key of a step during which a TTL
    // appeared): DUMP + PTTL in scripts on a second connection, up to the byte budget per call.
    std::optional<RedisConnection> side;
    auto dump_into = [&](int db, const std::vector<std::string>& keys, BatchBuilder& builder) {
      if (keys.empty()) return;
      if (!side) side.emplace(from_any, "source");
      side->select(db);
      for (size_t at = 0; at < keys.size();) {
        std::vector<std::string_view> argv = {"EVAL", kDumpKeysScript, "0", budget};
        for (size_t i = at; i < keys.size(); ++i) argv.push_back(keys[i]);
        auto r = side->command(argv);
        if (r->type != REDIS_REPLY_ARRAY || r->elements < 1)
          throw UserError("unexpected DUMP reply from the source Redis " + from.masked);
        at += static_cast<size_t>(std::max<int64_t>(1, reply_integer(r->element[0])));
        for (size_t i = 1; i + 3 <= r->elements; i += 3) {
          builder.add(reply_string(r->element[i]), reply_integer(r->element[i + 1]),
                      reply_string(r->element[i + 2]));
          if (builder.full()) queue.push(builder.take(std::nullopt, false));
        }
      }
    };
    // SCAN, then per step MULTI, INFO keyspace, MGET, EXEC: the values of the step's strings and,
    // atomically, proof that none of them has a TTL; in a database holding volatile keys MULTI, PTTL
    // of each key, MGET, EXEC instead. The next SCAN is sent with each MGET, so the source works on
    // while a reply is turned round. COUNT starts small and follows the step's value bytes, so a
    // step stays near the byte budget.
    auto copy_by_value = [&](int db, const std::string& from_cursor, BatchBuilder& builder, bool with_ttls) {
      struct Step {
        std::vector<std::string> keys;
        std::string cursor_after;
      };
      size_t step_count = std::min<size_t>(value_step, 64);
      auto scan = [&](std::string& cmd, const std::string& cursor) {
        append_command(cmd, {"SCAN", cursor, "COUNT", std::to_string(step_count)});
      };
      auto process = [&](Step& step) {
        std::vector<std::string> others;
        if (!step.keys.empty()) {
          size_t queued = 2 + (with_ttls ? step.keys.size() : 1);  // MULTI, INFO or PTTLs, MGET
          for (size_t i = 0; i < queued; ++i) {
            if (auto err = in.status_or_error())
              throw UserError(fmt::format("MULTI/MGET failed on the source Redis {}: {}", from.masked, *err));
          }
          if (in.array() != static_cast<int64_t>(queued - 1))
            throw UserError("unexpected EXEC reply from the source Redis " + from.masked);
          std::vector<int64_t> pttls(step.keys.size(), -1);
          bool ttl_seen = false;
          if (with_ttls) {
            for (auto& t : pttls) t = in.integer();
          } else {
            auto keyspace_now = parse_keyspace(in.bulk().value_or(""));
            ttl_seen = keyspace_now.count(db) && keyspace_now[db].expires > 0;
          }
          if (in.array() != static_cast<int64_t>(step.keys.size()))
            throw UserError("unexpected MGET reply from the source Redis " + from.masked);
          size_t bytes = 0;
          for (size_t i = 0; i < step.keys.size(); ++i) {
            auto value = in.bulk();
            if (!value || ttl_seen) {
              others.push_back(std::move(step.keys[i]));
              continue;
            }
            builder.add_value(step.keys[i], *value, pttls[i]);
            bytes += value->size();
            if (builder.full()) queue.push(builder.take(std::nullopt, false));
          }
          if (bytes > kBatchBytes) {
            step_count = std::max<size_t>(1, step_count * kBatchBytes / bytes);
          } else if (bytes * 4 < kBatchBytes) {
            step_count = std::min(value_step, step_count * 2);
          }
        }
        dump_into(db, others, builder);
        bool last = step.cursor_after == "0";
        if (!builder.empty() || last) queue.push(builder.take(step.cursor_after, last));
      };
      std::string cmd;
      scan(cmd, from_cursor);
      in.send(cmd);
      std::optional<Step> waiting;
      for (bool scanning = true; scanning || waiting;) {
        std::optional<Step> fresh;
        if (scanning) {
          if (in.array() != 2) throw UserError("unexpected SCAN reply from the source Redis " + from.masked);
          fresh.emplace();
          fresh->cursor_after = std::string(in.bulk().value_or("0"));
          int64_t n = in.array();
          fresh->keys.reserve(static_cast<size_t>(std::max<int64_t>(n, 0)));
          for (int64_t i = 0; i < n; ++i) fresh->keys.emplace_back(in.bulk().value_or(""));
          scanning = fresh->cursor_after != "0";
          cmd.clear();
          if (scanning) scan(cmd, fresh->cursor_after);
          if (!fresh->keys.empty()) {
            append_command(cmd, {"MULTI"});
            if (with_ttls) {
              for (const auto& k : fresh->keys) append_command(cmd, {"PTTL", k});
            } else {
              append_command(cmd, {"INFO", "keyspace"});
            }
            append_array_header(cmd, 1 + fresh->keys.size());
            append_bulk(cmd, "MGET");
            for (const auto& k : fresh->keys) append_bulk(cmd, k);
            append_command(cmd, {"EXEC"});
          }
          in.send(cmd);
        }
        if (waiting) process(*waiting);
        waiting = std::move(fresh);
      }
    };
    for (int db : dbs) {
      if (state.dbs[db].done) continue;
      std::string select;
      append_command(select, {"SELECT", std::to_string(db)});
      in.send(select);
      if (auto err = in.status_or_error())
        throw UserError(fmt::format("SELECT {} failed on the source: {}", db, *err));
      db_text = std::to_string(db);
      auto entry = source_keyspace.find(db);
      BatchBuilder builder(db, target_db(db), entry != source_keyspace.end() && entry->second.expires > 0);
      std::string cursor = state.dbs[db].cursor;
      if (by_value_method) {
        copy_by_value(db, cursor, builder, entry != source_keyspace.end() && entry->second.expires > 0);
        continue;
      }
      request(cursor);
      for (bool more = true; more;) {
        int64_t elements = in.array();
        cursor = std::string(in.bulk().value_or("0"));
        int64_t left = in.integer();
        more = cursor != "0";
        if (more && left == 0) request(cursor);  // the source scans on while this reply is turned round
        for (int64_t i = 0, n = (elements - 2 - left) / 3; i < n; ++i) {
          std::string key(in.bulk().value_or(""));
          int64_t pttl = in.integer();
          auto payload = in.bulk();
          if (payload) builder.add(key, pttl, *payload);
          if (builder.full()) queue.push(builder.take(std::nullopt, false));
        }
        std::vector<std::string> left_over;
        for (int64_t i = 0; i < left; ++i) left_over.emplace_back(in.bulk().value_or(""));
        for (const auto& key : left_over) {  // big values: one by one, still DUMP + PTTL
          std::string cmd;
          append_command(cmd, {"PTTL", key});
          append_command(cmd, {"DUMP", key});
          in.send(cmd);
          int64_t pttl = in.integer();
          if (auto payload = in.bulk()) builder.add(key, pttl, *payload);
          if (builder.full()) queue.push(builder.take(std::nullopt, false));
        }
        if (more && left > 0) request(cursor);
        if (!builder.empty() || !more) queue.push(builder.take(cursor, !more));
      }
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
  report.keys_copied = copied;
  report.keys_by_value = by_value;
  report.copy_seconds = std::chrono::duration<double>(Clock::now() - copy_started).count();
  if (options.on_step) {
    options.on_step(fmt::format(
        "copy       {} keys in {:.1f} s ({} strings by value), each batch read back from the target",
        report.keys_copied, report.copy_seconds, report.keys_by_value));
  }

  // Verify: key counts; the keys of batches whose digest differed, key by key; databases copied by an
  // earlier run, again by digests of SCAN steps on both sides.
  const auto verify_started = Clock::now();
  for (int db : dbs) {
    RedisDbCheck check{.db = db};
    source.select(db);
    target.select(target_db(db));
    check.source_keys = reply_integer(source.command({"DBSIZE"}).get());
    check.target_keys = reply_integer(target.command({"DBSIZE"}).get());
    std::vector<std::string> keys;
    for (const auto& s : suspects) {
      if (s.db == db) keys.push_back(s.key);
    }
    for (size_t at = 0; at < keys.size(); at += static_cast<size_t>(script_step)) {
      std::vector<std::string> some(keys.begin() + static_cast<std::ptrdiff_t>(at),
                                    keys.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                       keys.size(), at + static_cast<size_t>(script_step))));
      compare_keys(source, target, some, check);
    }
    if (copied_before.count(db)) verify_by_rescan(source, target, script_step, check, batches_rechecked);
    report.databases.push_back(check);
  }
  report.batches_rechecked = batches_rechecked;
  report.verify_seconds = std::chrono::duration<double>(Clock::now() - verify_started).count();
  if (report.verified()) {
    state.verified = true;
    save();
  }
  report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return report;
}

}  // namespace rehome::migrate
