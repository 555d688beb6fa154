#pragma once
// The unit of the Redis copy: a batch of keys read from the source, as the bytes the target is sent
// (MSET, PEXPIRE, RESTORE) and the bytes of the read-back that proves them; its builder (the reader's
// side) and the bounded queue to the writer thread.
#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "migrate/redis/resp.hpp"

namespace rehome::migrate {

constexpr size_t kBatchBytes = size_t{4} << 20;  // payload bytes per batch, beyond which a batch is cut

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

// Fills a batch key by key (add_value, add: inline, they run once per key) until full(), then take()
// adds the MSET header and the read-back and starts the next batch.
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
  // The batch so far, completed (MSET header, read-back); `cursor_after` is the SCAN cursor to record
  // once it is on the target (none for a batch cut in the middle of a step), `last` ends the database.
  CopyBatch take(std::optional<std::string> cursor_after, bool last);

 private:
  void reset();
  int db_, target_db_;
  bool volatile_keys_;
  CopyBatch batch_;
  size_t bytes_ = 0;
};

// Batches from the source reader to the target writer; bounded, so memory stays a few batches.
class BatchQueue {
 public:
  // Waits while the queue is full; throws Stopped once closed (the writer failed).
  void push(CopyBatch batch);
  // The next batch; nullopt once closed and drained.
  std::optional<CopyBatch> pop();
  void close();
  struct Stopped {};

 private:
  static constexpr size_t kDepth = 3;  // batches waiting at most
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<CopyBatch> queue_;
  bool closed_ = false;
};

}  // namespace rehome::migrate
