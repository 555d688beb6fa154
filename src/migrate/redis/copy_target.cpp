// The target's side of the Redis copy (TargetWriter) and the copy's progress reports.
#include <fmt/format.h>

#include "common/error.hpp"
#include "migrate/redis/steps.hpp"
#include "migrate/test_hooks.hpp"

namespace rehome::migrate {

using Clock = std::chrono::steady_clock;

CopyTicker::CopyTicker(const RedisMigrationOptions& options, int64_t total_keys,
                       Clock::time_point copy_started)
    : options_(options), total_keys_(total_keys), copy_started_(copy_started), last_progress_(copy_started) {}

void CopyTicker::tick(int64_t copied) {
  auto now = Clock::now();
  if (options_.on_progress && now - last_progress_ >= options_.progress_interval) {
    last_progress_ = now;
    options_.on_progress({.phase = "redis",
                          .done = copied,
                          .total = total_keys_,
                          .elapsed_seconds = std::chrono::duration<double>(now - copy_started_).count(),
                          .bytes = false});
  }
}

TargetWriter::TargetWriter(int fd, const std::string& target, RedisState& state, std::function<void()> save,
                           CopyTicker& ticker, CopyTally& tally)
    : out_(fd, "the target Redis " + target),
      target_(target),
      state_(state),
      save_(std::move(save)),
      ticker_(ticker),
      tally_(tally) {}

void TargetWriter::run(BatchQueue& queue) {
  std::optional<CopyBatch> in_flight;
  bool select_in_flight = false;
  for (;;) {
    std::optional<CopyBatch> next = queue.pop();
    bool with_select = next && send(*next);
    if (in_flight) complete(*in_flight, select_in_flight);
    in_flight = std::move(next);
    select_in_flight = with_select;
    if (!in_flight) break;
  }
}

bool TargetWriter::send(const CopyBatch& batch) {
  bool with_select = false;
  std::string select;
  if (batch.target_db != selected_) {
    append_command(select, {"SELECT", std::to_string(batch.target_db)});
    selected_ = batch.target_db;
    with_select = true;
  }
  out_.send(select);
  out_.send(batch.mset_head);
  out_.send(batch.mset);
  out_.send(batch.expire);
  out_.send(batch.restore);
  out_.send(batch.readback);
  return with_select;
}

void TargetWriter::complete(const CopyBatch& batch, bool with_select) {
  check_writes(batch, with_select);
  if (compare_read_back(batch)) ++tally_.batches_rechecked;
  record(batch);
}

void TargetWriter::check_writes(const CopyBatch& b, bool with_select) {
  if (with_select) {
    if (auto err = out_.status_or_error()) {
      throw UserError(fmt::format("the target Redis {} has no database {}: {}", target_, b.target_db, *err),
                      "raise `databases` in the target's redis.conf, or choose databases with --db");
    }
  }
  if (!b.plain.empty()) {
    if (auto err = out_.status_or_error()) {
      throw UserError(
          fmt::format("MSET of {} keys failed on the target {}: {}", b.plain.size(), target_, *err));
    }
  }
  for (size_t i = 0; i < b.expiring; ++i) out_.integer();  // each TTL is proved by PTTL below
  for (size_t i = 0; i < b.restored.size(); ++i) {
    if (auto err = out_.status_or_error()) {
      throw UserError(fmt::format("RESTORE of key '{}' failed on the target {}: {}", b.key(i), target_, *err),
                      "the target Redis must be the same version as the source or newer");
    }
  }
}

bool TargetWriter::compare_read_back(const CopyBatch& b) {
  std::vector<Suspect>& suspects = tally_.suspects;
  std::vector<char> plain_bad(b.plain.size(), 0);
  if (!b.plain.empty()) {
    if (out_.array() != static_cast<int64_t>(b.plain.size()))
      throw UserError(fmt::format("unexpected MGET reply from the target {}", target_));
    for (size_t i = 0; i < b.plain.size(); ++i) {
      auto value = out_.bulk();
      plain_bad[i] = !value || *value != b.value(i);
    }
  }
  bool differs = false;
  for (size_t i = 0; i < b.restored.size(); ++i) {
    auto payload = out_.bulk();
    bool same = payload && *payload == b.payload(i);
    if (b.check_ttl) same = (out_.integer() > 0) == b.restored[i].has_ttl && same;
    if (same) continue;
    differs = true;
    suspects.push_back({b.db, std::string(b.key(i))});
  }
  for (size_t i = 0; i < b.plain.size(); ++i) {
    if (b.check_ttl && (out_.integer() > 0) != b.plain[i].has_ttl) plain_bad[i] = 1;
    if (!plain_bad[i]) continue;
    differs = true;
    suspects.push_back({b.db, std::string(b.plain_key(i))});
  }
  if (b.size() > 0 && !b.check_ttl) {
    auto info = out_.bulk();
    auto dbs = parse_keyspace(info.value_or(""));
    if (dbs.count(b.target_db) && dbs[b.target_db].expires > 0) {  // a TTL appeared: check each key
      differs = true;
      for (size_t i = 0; i < b.restored.size(); ++i) suspects.push_back({b.db, std::string(b.key(i))});
      for (size_t i = 0; i < b.plain.size(); ++i) suspects.push_back({b.db, std::string(b.plain_key(i))});
    }
  }
  return differs;
}

void TargetWriter::record(const CopyBatch& b) {
  DbProgress& progress = state_.dbs[b.db];
  if (b.cursor_after) progress.cursor = *b.cursor_after;
  progress.started = true;
  progress.keys += static_cast<int64_t>(b.size());
  progress.done = b.last;
  tally_.copied += static_cast<int64_t>(b.size());
  tally_.by_value += static_cast<int64_t>(b.plain.size());
  bool first = paused_.insert(b.db).second;
  if (b.last || first || Clock::now() - last_save_ >= std::chrono::milliseconds(500)) {
    save_();
    last_save_ = Clock::now();
  }
  ticker_.tick(tally_.copied);
  if (first && !b.last) pause_point("redis", std::to_string(b.db));
}

}  // namespace rehome::migrate
