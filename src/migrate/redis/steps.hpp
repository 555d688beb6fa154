#pragma once
// The copy of a Redis migration, shared by its files. The orchestrator (redis/migration.cpp) runs a
// SourceReader on its own thread and a TargetWriter on a second one, joined by a BatchQueue:
//   redis/copy_source.cpp    the reader: SELECT, the DUMP-script mode, the side connection
//   redis/copy_by_value.cpp  the reader's by-value mode (SCAN, then MULTI ... MGET ... EXEC)
//   redis/copy_target.cpp    the writer: sends each batch and its read-back, compares, records the cursor
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engines/redis.hpp"
#include "engines/redis_url.hpp"
#include "migrate/redis/batch.hpp"
#include "migrate/redis/compare.hpp"
#include "migrate/redis/migration.hpp"
#include "migrate/redis/resp.hpp"
#include "migrate/redis/state.hpp"

namespace rehome::migrate {

// What the copy counted, written by the writer thread, read by the orchestrator once it joined.
struct CopyTally {
  std::atomic<int64_t> copied{0};
  int64_t by_value = 0;           // strings copied with MGET/MSET
  int64_t batches_rechecked = 0;  // batches whose read-back differed
  std::vector<Suspect> suspects;  // their keys, compared key by key at the end
};

// The copy's progress reports (phase "redis", in keys), at most one per options.progress_interval.
class CopyTicker {
 public:
  CopyTicker(const RedisMigrationOptions& options, int64_t total_keys,
             std::chrono::steady_clock::time_point copy_started);
  void tick(int64_t copied);

 private:
  const RedisMigrationOptions& options_;
  int64_t total_keys_;
  std::chrono::steady_clock::time_point copy_started_, last_progress_;
};

// The source's side of the copy, on the calling thread: SCAN steps on the source's socket (`fd`, set
// up by a engines::RedisConnection to `source`), each turned into batches pushed to `queue`.
class SourceReader {
 public:
  // `source`: the endpoint without a database (the side connection's); `by_value`: strings by value
  // (--method auto), else DUMP scripts for every key; keys per SCAN step: `value_step` by value,
  // `script_step` per DUMP script.
  SourceReader(int fd, const engines::RedisEndpoint& source, BatchQueue& queue, bool by_value,
               size_t value_step, int script_step);
  // One database, from `cursor` (0, or where an earlier run stopped; a copy, as the writer thread moves
  // the state's on) to the end of its SCAN; its batches are for `target_db`. `volatile_keys`: it held
  // keys with a TTL when the copy began.
  void copy_database(int db, int target_db, std::string cursor, bool volatile_keys);

 private:
  class ByValue;
  void copy_by_value(int db, const std::string& cursor, BatchBuilder& builder, bool with_ttls);
  void copy_by_dump_script(std::string cursor, BatchBuilder& builder);
  void request_scan_dump(const std::string& cursor);
  // Keys the by-value path cannot carry, by DUMP scripts on the side connection.
  void dump_into(int db, const std::vector<std::string>& keys, BatchBuilder& builder);
  // A full batch goes to the writer (cut in the middle of a step: no cursor to record).
  void cut_if_full(BatchBuilder& builder) {
    if (builder.full()) queue_.push(builder.take(std::nullopt, false));
  }

  RespStream in_;
  const engines::RedisEndpoint& source_;
  BatchQueue& queue_;
  const bool by_value_;
  const size_t value_step_;
  const std::string count_, budget_;  // ARGV of the DUMP scripts
  std::string db_text_;               // the database being copied, for kScanDumpScript
  std::optional<engines::RedisConnection> side_;
};

// The target's side of the copy, on its own thread: each batch from the queue is sent with its
// read-back; while the next one is on the wire, the replies of the previous one are checked and
// compared, and its SCAN cursor recorded in `state` (then `save`d) so a resumed run starts after it.
class TargetWriter {
 public:
  // `fd`: the socket of a engines::RedisConnection to the target, named by `target` (a masked URL) in
  // messages.
  TargetWriter(int fd, const std::string& target, RedisState& state, std::function<void()> save,
               CopyTicker& ticker, CopyTally& tally);
  // Until the queue is closed and drained; a failure throws (the caller closes the queue).
  void run(BatchQueue& queue);

 private:
  bool send(const CopyBatch& batch);  // whether a SELECT went first
  void complete(const CopyBatch& batch, bool with_select);
  void check_writes(const CopyBatch& batch, bool with_select);  // SELECT, MSET, PEXPIRE, RESTORE replies
  bool compare_read_back(const CopyBatch& batch);               // true: keys differ (now suspects)
  void record(const CopyBatch& batch);  // cursor, counts, state file, progress, pause point

  RespStream out_;
  const std::string& target_;
  RedisState& state_;
  std::function<void()> save_;
  CopyTicker& ticker_;
  CopyTally& tally_;
  int selected_ = -1;
  std::set<int> paused_;  // databases whose first batch landed
  std::chrono::steady_clock::time_point last_save_ = std::chrono::steady_clock::now();
};

}  // namespace rehome::migrate
