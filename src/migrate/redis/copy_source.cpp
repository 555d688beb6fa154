// The source's side of the Redis copy (SourceReader): SELECT, the DUMP-script mode, the side connection.
// The by-value mode is in redis/copy_by_value.cpp.
#include <hiredis/hiredis.h>

#include <utility>

#include <fmt/format.h>

#include "common/error.hpp"
#include "migrate/redis/scripts.hpp"
#include "migrate/redis/steps.hpp"

namespace rehome::migrate {

SourceReader::SourceReader(int fd, const engines::RedisEndpoint& source, BatchQueue& queue, bool by_value,
                           size_t value_step, int script_step)
    : in_(fd, "the source Redis " + source.masked),
      source_(source),
      queue_(queue),
      by_value_(by_value),
      value_step_(value_step),
      count_(std::to_string(script_step)),
      budget_(std::to_string(kBatchBytes)) {}

void SourceReader::copy_database(int db, int target_db, std::string cursor, bool volatile_keys) {
  std::string select;
  append_command(select, {"SELECT", std::to_string(db)});
  in_.send(select);
  if (auto err = in_.status_or_error())
    throw UserError(fmt::format("SELECT {} failed on the source: {}", db, *err));
  db_text_ = std::to_string(db);
  BatchBuilder builder(db, target_db, volatile_keys);
  if (by_value_) {
    copy_by_value(db, cursor, builder, volatile_keys);
  } else {
    copy_by_dump_script(std::move(cursor), builder);
  }
}

void SourceReader::request_scan_dump(const std::string& cursor) {
  std::string cmd;
  append_command(cmd, {"EVAL", kScanDumpScript, "0", cursor, count_, budget_, db_text_});
  in_.send(cmd);
}

// Every key by kScanDumpScript, one SCAN step per call; the next call is sent before this reply is
// turned into RESTORE commands. Keys beyond the step's byte budget are read one by one.
void SourceReader::copy_by_dump_script(std::string cursor, BatchBuilder& builder) {
  request_scan_dump(cursor);
  for (bool more = true; more;) {
    int64_t elements = in_.array();
    cursor = std::string(in_.bulk().value_or("0"));
    int64_t left = in_.integer();
    more = cursor != "0";
    if (more && left == 0) request_scan_dump(cursor);  // the source scans on while this reply is turned round
    for (int64_t i = 0, n = (elements - 2 - left) / 3; i < n; ++i) {
      std::string key(in_.bulk().value_or(""));
      int64_t pttl = in_.integer();
      auto payload = in_.bulk();
      if (payload) builder.add(key, pttl, *payload);
      cut_if_full(builder);
    }
    std::vector<std::string> left_over;
    for (int64_t i = 0; i < left; ++i) left_over.emplace_back(in_.bulk().value_or(""));
    for (const auto& key : left_over) {  // big values: one by one, still DUMP + PTTL
      std::string cmd;
      append_command(cmd, {"PTTL", key});
      append_command(cmd, {"DUMP", key});
      in_.send(cmd);
      int64_t pttl = in_.integer();
      if (auto payload = in_.bulk()) builder.add(key, pttl, *payload);
      cut_if_full(builder);
    }
    if (more && left > 0) request_scan_dump(cursor);
    if (!builder.empty() || !more) queue_.push(builder.take(cursor, !more));
  }
}

// Keys the by-value path cannot carry (other types; every key of a step during which a TTL
// appeared): DUMP + PTTL in scripts on a second connection, up to the byte budget per call.
void SourceReader::dump_into(int db, const std::vector<std::string>& keys, BatchBuilder& builder) {
  if (keys.empty()) return;
  if (!side_) side_.emplace(source_, "source");
  side_->select(db);
  for (size_t at = 0; at < keys.size();) {
    std::vector<std::string_view> argv = {"EVAL", kDumpKeysScript, "0", budget_};
    for (size_t i = at; i < keys.size(); ++i) argv.push_back(keys[i]);
    auto r = side_->command(argv);
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 1)
      throw UserError("unexpected DUMP reply from the source Redis " + source_.masked);
    at += static_cast<size_t>(std::max<int64_t>(1, engines::reply_integer(r->element[0])));
    for (size_t i = 1; i + 3 <= r->elements; i += 3) {
      builder.add(engines::reply_string(r->element[i]), engines::reply_integer(r->element[i + 1]),
                  engines::reply_string(r->element[i + 2]));
      cut_if_full(builder);
    }
  }
}

}  // namespace rehome::migrate
