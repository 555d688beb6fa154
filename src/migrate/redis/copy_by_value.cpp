// The reader's by-value mode: SCAN, then per step MULTI, INFO keyspace, MGET, EXEC: the values of the
// step's strings and, atomically, proof that none of them has a TTL; in a database holding volatile
// keys MULTI, PTTL of each key, MGET, EXEC instead. The next SCAN is sent with each MGET, so the
// source works on while a reply is turned round. COUNT starts small and follows the step's value
// bytes, so a step stays near the byte budget. Keys that are not strings (or all of a step during
// which a TTL appeared) go by DUMP scripts on the side connection.
#include <algorithm>

#include <fmt/format.h>

#include "common/error.hpp"
#include "migrate/redis/steps.hpp"

namespace rehome::migrate {

class SourceReader::ByValue {
 public:
  ByValue(SourceReader& reader, int db, BatchBuilder& builder, bool with_ttls)
      : reader_(reader),
        in_(reader.in_),
        db_(db),
        builder_(builder),
        with_ttls_(with_ttls),
        step_count_(std::min<size_t>(reader.value_step_, 64)) {}

  // From `from_cursor` to the end of the database's SCAN; each step read while the next is requested.
  void run(const std::string& from_cursor) {
    std::string cmd;
    append_scan(cmd, from_cursor);
    in_.send(cmd);
    std::optional<Step> waiting;
    for (bool scanning = true; scanning || waiting;) {
      std::optional<Step> fresh;
      if (scanning) {
        fresh.emplace();
        read_scan_reply(*fresh);
        scanning = fresh->cursor_after != "0";
        cmd.clear();
        if (scanning) append_scan(cmd, fresh->cursor_after);
        if (!fresh->keys.empty()) append_reads(cmd, fresh->keys);
        in_.send(cmd);
      }
      if (waiting) process(*waiting);
      waiting = std::move(fresh);
    }
  }

 private:
  struct Step {
    std::vector<std::string> keys;
    std::string cursor_after;
  };

  void append_scan(std::string& cmd, const std::string& cursor) const {
    append_command(cmd, {"SCAN", cursor, "COUNT", std::to_string(step_count_)});
  }

  // MULTI, INFO keyspace (or PTTL of each key), MGET of the keys, EXEC.
  void append_reads(std::string& cmd, const std::vector<std::string>& keys) const {
    append_command(cmd, {"MULTI"});
    if (with_ttls_) {
      for (const auto& k : keys) append_command(cmd, {"PTTL", k});
    } else {
      append_command(cmd, {"INFO", "keyspace"});
    }
    append_array_header(cmd, 1 + keys.size());
    append_bulk(cmd, "MGET");
    for (const auto& k : keys) append_bulk(cmd, k);
    append_command(cmd, {"EXEC"});
  }

  void read_scan_reply(Step& step) {
    if (in_.array() != 2) throw UserError("unexpected SCAN reply from the source Redis " + masked());
    step.cursor_after = std::string(in_.bulk().value_or("0"));
    int64_t n = in_.array();
    step.keys.reserve(static_cast<size_t>(std::max<int64_t>(n, 0)));
    for (int64_t i = 0; i < n; ++i) step.keys.emplace_back(in_.bulk().value_or(""));
  }

  // A step's replies: its strings into the batch, the other keys by DUMP; the batch goes to the writer
  // with the step's cursor.
  void process(Step& step) {
    std::vector<std::string> others;
    if (!step.keys.empty()) follow_bytes(read_values(step, others));
    reader_.dump_into(db_, others, builder_);
    bool last = step.cursor_after == "0";
    if (!builder_.empty() || last) reader_.queue_.push(builder_.take(step.cursor_after, last));
  }

  // The MULTI ... EXEC replies of a step: each string value into the batch, the keys that are not
  // (or every key, if a TTL appeared) into `others`. Returns the value bytes read.
  size_t read_values(Step& step, std::vector<std::string>& others) {
    size_t queued = 2 + (with_ttls_ ? step.keys.size() : 1);  // MULTI, INFO or PTTLs, MGET
    for (size_t i = 0; i < queued; ++i) {
      if (auto err = in_.status_or_error())
        throw UserError(fmt::format("MULTI/MGET failed on the source Redis {}: {}", masked(), *err));
    }
    if (in_.array() != static_cast<int64_t>(queued - 1))
      throw UserError("unexpected EXEC reply from the source Redis " + masked());
    std::vector<int64_t> pttls(step.keys.size(), -1);
    bool ttl_seen = false;
    if (with_ttls_) {
      for (auto& t : pttls) t = in_.integer();
    } else {
      auto keyspace_now = parse_keyspace(in_.bulk().value_or(""));
      ttl_seen = keyspace_now.count(db_) && keyspace_now[db_].expires > 0;
    }
    if (in_.array() != static_cast<int64_t>(step.keys.size()))
      throw UserError("unexpected MGET reply from the source Redis " + masked());
    size_t bytes = 0;
    for (size_t i = 0; i < step.keys.size(); ++i) {
      auto value = in_.bulk();
      if (!value || ttl_seen) {
        others.push_back(std::move(step.keys[i]));
        continue;
      }
      builder_.add_value(step.keys[i], *value, pttls[i]);
      bytes += value->size();
      reader_.cut_if_full(builder_);
    }
    return bytes;
  }

  // COUNT follows the value bytes of the last step: cut where it overran the budget, doubled (up to
  // the step size) where it used less than a quarter.
  void follow_bytes(size_t bytes) {
    if (bytes > kBatchBytes) {
      step_count_ = std::max<size_t>(1, step_count_ * kBatchBytes / bytes);
    } else if (bytes * 4 < kBatchBytes) {
      step_count_ = std::min(reader_.value_step_, step_count_ * 2);
    }
  }

  const std::string& masked() const { return reader_.source_.masked; }

  SourceReader& reader_;
  RespStream& in_;
  const int db_;
  BatchBuilder& builder_;
  const bool with_ttls_;
  size_t step_count_;
};

void SourceReader::copy_by_value(int db, const std::string& cursor, BatchBuilder& builder, bool with_ttls) {
  ByValue(*this, db, builder, with_ttls).run(cursor);
}

}  // namespace rehome::migrate
