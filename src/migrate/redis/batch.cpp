#include "migrate/redis/batch.hpp"

namespace rehome::migrate {

CopyBatch BatchBuilder::take(std::optional<std::string> cursor_after, bool last) {
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

void BatchBuilder::reset() {
  batch_ = CopyBatch{.db = db_, .target_db = target_db_, .check_ttl = volatile_keys_};
  bytes_ = 0;
}

void BatchQueue::push(CopyBatch batch) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return queue_.size() < kDepth || closed_; });
  if (closed_) throw Stopped();
  queue_.push_back(std::move(batch));
  changed_.notify_all();
}

std::optional<CopyBatch> BatchQueue::pop() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return !queue_.empty() || closed_; });
  if (queue_.empty()) return std::nullopt;
  CopyBatch out = std::move(queue_.front());
  queue_.pop_front();
  changed_.notify_all();
  return out;
}

void BatchQueue::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  changed_.notify_all();
}

}  // namespace rehome::migrate
