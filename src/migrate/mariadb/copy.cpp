// Copying one chunk: the source's rows of the key range, read in the worker's snapshot and streamed
// (nothing buffered beyond three statements), become LOAD DATA LOCAL INFILE statements fed from memory
// (tab-separated, backslash-escaped, \N for NULL: the server's cheapest way in, no temp file; read,
// hashed and written out by a reader thread while the worker sends the previous statement), or
// multi-row INSERTs where LOAD DATA cannot carry a column's bytes (BIT, spatial) or the target
// refuses it (local_infile off), on the target inside one
// transaction that first deletes the range (rows a killed run may have left in a non-transactional
// table) and ends by recording the chunk in the bookkeeping table, so a chunk is on the target
// entirely, recorded, or not at all. Values travel as the bytes the server stores (SET NAMES binary):
// strings in their own character set, binary and spatial columns as they are; numbers unquoted, BIT
// as hex. Generated columns are left to the target to compute.
#include <array>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "migrate/mariadb/steps.hpp"

namespace rehome::migrate::mariadb {
namespace {

const char* hex_digits = "0123456789ABCDEF";

// A value in LOAD DATA's text form (FIELDS TERMINATED BY '\t' ESCAPED BY '\\' LINES TERMINATED BY
// '\n', CHARACTER SET binary): the bytes as they are but for the escape, the separators and NUL.
void append_field(std::string& out, std::string_view value) {
  size_t start = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    char e;
    switch (value[i]) {
      case '\\':
        e = '\\';
        break;
      case '\t':
        e = 't';
        break;
      case '\n':
        e = 'n';
        break;
      case '\0':
        e = '0';
        break;
      default:
        continue;
    }
    out.append(value.data() + start, i - start);
    out += '\\';
    out += e;
    start = i + 1;
  }
  out.append(value.data() + start, value.size() - start);
}

// The buffers between the source's reader thread and the target's writer: the reader fills one
// while the writer sends the other; three at most (one being filled, one waiting, one being sent).
class LoadPipe {
 public:
  explicit LoadPipe(size_t bytes) {
    for (auto& b : buffers_) {
      b.reserve(bytes + (64u << 10));
      empty_.push_back(&b);
    }
  }
  // The reader's side. take_empty and hand_over wait for a free buffer, and throw once the writer
  // has given up (the source's stream then drains and ends).
  std::string* take_empty() {
    std::unique_lock l(mutex_);
    cv_.wait(l, [&] { return cancelled_ || !empty_.empty(); });
    if (cancelled_) throw Cancelled();
    std::string* b = empty_.back();
    empty_.pop_back();
    return b;
  }
  std::string* hand_over(std::string* full) {
    {
      std::lock_guard l(mutex_);
      full_.push_back(full);
    }
    cv_.notify_all();
    return take_empty();
  }
  void finish() {
    {
      std::lock_guard l(mutex_);
      finished_ = true;
    }
    cv_.notify_all();
  }
  // The writer's side: the next full buffer, nullptr once the reader is done and all are sent.
  std::string* take_full() {
    std::unique_lock l(mutex_);
    cv_.wait(l, [&] { return !full_.empty() || finished_; });
    if (full_.empty()) return nullptr;
    std::string* b = full_.front();
    full_.pop_front();
    return b;
  }
  void give_back(std::string* b) {
    b->clear();
    {
      std::lock_guard l(mutex_);
      empty_.push_back(b);
    }
    cv_.notify_all();
  }
  void cancel() {
    {
      std::lock_guard l(mutex_);
      cancelled_ = true;
    }
    cv_.notify_all();
  }
  struct Cancelled : std::exception {
    const char* what() const noexcept override { return "copy cancelled"; }
  };

 private:
  std::array<std::string, 3> buffers_;
  std::vector<std::string*> empty_;
  std::deque<std::string*> full_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool finished_ = false, cancelled_ = false;
};

}  // namespace

bool loadable(const Table& table) {
  for (const auto& c : table.columns) {
    if (c.generated) continue;
    if (c.bit() || c.spatial()) return false;
  }
  return true;
}

CopyResult copy_chunk(MariadbConnection& source, MariadbConnection& target, const Table& table,
                      const Chunk& chunk, const TableName& target_table, const std::string& run_id,
                      size_t max_statement_bytes, bool clear_first, bool load_data, bool hash) {
  // Every column is read (generated ones too: the proof covers them); only stored ones are inserted.
  std::vector<const Column*> columns;
  std::string names, reads;
  for (const auto& c : table.columns) {
    columns.push_back(&c);
    if (!reads.empty()) reads += ",";
    reads += c.read_expr();
    if (c.generated) continue;
    if (!names.empty()) names += ",";
    names += MariadbConnection::quote_name(c.name);
  }
  Quote source_quote = [&](const Column& c, const std::string& v) { return key_literal(source, c, v); };
  Quote target_quote = [&](const Column& c, const std::string& v) { return key_literal(target, c, v); };
  const std::string into = qualified(target_table.schema, target_table.name);
  load_data = load_data && loadable(table);
  const std::string tag = run_tag(run_id);
  const std::string head =
      load_data ? std::string() : fmt::format("{}INSERT INTO {} ({}) VALUES ", tag, into, names);
  const std::string load = fmt::format(
      "{}LOAD DATA LOCAL INFILE 'rehome-chunk' INTO TABLE {} CHARACTER SET binary FIELDS TERMINATED BY '\\t' "
      "ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' ({})",
      tag, into, names);

  target.exec("START TRANSACTION");
  if (clear_first) target.exec(tag + "DELETE FROM " + into + chunk_where(table, chunk, target_quote));
  CopyResult result;
  RowSum sum;
  const std::string select =
      fmt::format("SELECT {} FROM {}{}", reads, qualified(table.name.schema, table.name.name),
                  chunk_where(table, chunk, source_quote));
  if (load_data) {
    // Two threads: this one feeds the target while a reader streams the source's rows, hashes them
    // and fills the next buffer, so the source, rehome and the target work at once instead of in turn.
    LoadPipe pipe(max_statement_bytes);
    std::exception_ptr read_error;
    std::thread read([&] {
      try {
        std::string* buffer = pipe.take_empty();
        result.rows = source.stream(select, [&](const engines::MariadbRowView& row) {
          if (hash) sum.add(columns, row);
          std::string& out = *buffer;
          bool first = true;
          for (unsigned i = 0; i < row.count; ++i) {
            if (columns[i]->generated) continue;
            if (!first) out += '\t';
            first = false;
            if (row.null(i)) {
              out += "\\N";
            } else {
              append_field(out, row.text(i));
            }
          }
          out += '\n';
          if (out.size() >= max_statement_bytes) buffer = pipe.hand_over(buffer);
        });
        if (!buffer->empty()) pipe.hand_over(buffer);
      } catch (...) {
        read_error = std::current_exception();
      }
      pipe.finish();
    });
    try {
      while (std::string* data = pipe.take_full()) {
        target.load_local(load, *data);
        result.bytes += static_cast<int64_t>(data->size());
        pipe.give_back(data);
      }
    } catch (...) {
      pipe.cancel();
      read.join();
      throw;
    }
    read.join();
    if (read_error) std::rethrow_exception(read_error);
  } else {
    std::string statement = head;
    statement.reserve(max_statement_bytes + (64u << 10));
    size_t rows_in_statement = 0;
    auto flush = [&] {
      if (rows_in_statement == 0) return;
      target.exec(statement);
      result.bytes += static_cast<int64_t>(statement.size());
      statement.resize(head.size());
      rows_in_statement = 0;
    };
    result.rows = source.stream(select, [&](const engines::MariadbRowView& row) {
      if (hash) sum.add(columns, row);
      statement += rows_in_statement == 0 ? "(" : ",(";
      bool first = true;
      for (unsigned i = 0; i < row.count; ++i) {
        if (columns[i]->generated) continue;
        if (!first) statement += ',';
        first = false;
        if (row.null(i)) {
          statement += "NULL";
        } else if (columns[i]->numeric()) {
          statement.append(row.values[i], row.lengths[i]);
        } else if (columns[i]->bit()) {
          statement += "X'";
          for (unsigned long b = 0; b < row.lengths[i]; ++b) {
            auto ch = static_cast<unsigned char>(row.values[i][b]);
            statement += hex_digits[ch >> 4];
            statement += hex_digits[ch & 15];
          }
          statement += '\'';
        } else {
          target.append_quoted(statement, row.text(i));
        }
      }
      statement += ')';
      ++rows_in_statement;
      if (statement.size() >= max_statement_bytes) flush();
    });
    flush();
  }
  result.source_sum = hash ? sum.result() : ChunkSum{result.rows, ""};
  target.exec(
      fmt::format("INSERT INTO {}.chunks (run_id, chunk_id, rows_copied) VALUES ({}, {}, {}) "
                  "ON DUPLICATE KEY UPDATE rows_copied = VALUES(rows_copied)",
                  MariadbConnection::quote_name(bookkeeping_db), target.quote(run_id), target.quote(chunk.id),
                  result.rows));
  target.exec("COMMIT");
  return result;
}

}  // namespace rehome::migrate::mariadb
