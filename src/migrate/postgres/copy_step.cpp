// copy step: each unit streams COPY TO STDOUT on the source straight into COPY FROM STDIN on the
// target, in the migration's snapshot, and commits together with its row in the bookkeeping table,
// so a unit is on the target exactly once whatever moment the process is killed at.
#include <map>
#include <memory>

#include <fmt/format.h>

#include "common/error.hpp"
#include "migrate/postgres/checksum.hpp"
#include "migrate/postgres/steps.hpp"
#include "migrate/test_hooks.hpp"

namespace rehome::migrate {
namespace {

struct Stopped : std::runtime_error {
  Stopped() : std::runtime_error("stopped because another worker failed") {}
};

// Rows are gathered into chunks of about this size before PQputCopyData: fewer calls and messages.
constexpr size_t copy_chunk_bytes = 256 * 1024;

// " (a,b)", or nothing for a table without columns (valid in PostgreSQL).
std::string column_list(const TableInfo& table) {
  return table.columns.empty() ? "" : " (" + table.columns + ")";
}

}  // namespace

void prepare_source_session(engines::PgConnection& source) { source.exec(checksum_session_settings); }

void prepare_target_session(engines::PgConnection& target) {
  target.exec(checksum_session_settings);
  // Each unit commits with its bookkeeping row; waiting for the WAL flush of each is not needed
  // for correctness (a lost commit is a unit copied again), and the end of the run syncs.
  target.exec("SET synchronous_commit = off");
  // Index builds write their pages to the WAL whole; compressed they are less to write (only this
  // session's records; needs superuser and a server built with lz4, else the server's setting stays).
  target.try_exec("SET wal_compression = lz4");
}

int64_t copy_unit(MigrationContext& context, engines::PgConnection& source, engines::PgConnection& target,
                  const WorkUnit& unit, const TableInfo& table) {
  context.state.update([&](MigrationState& s) {
    for (auto& u : s.units) {
      if (u.unit.id == unit.id) {
        u.status = UnitStatus::copying;
        ++u.attempts;
      }
    }
  });
  const std::string name = engines::qualified_name(table.name.schema, table.name.name);
  // Binary COPY is faster (no text conversion on either side); user-defined types go as text.
  const std::string format = copy_format(table);
  // The source's side of the proof, hashed as the rows stream: byte-exact for readback, as the
  // target server will hash its rows for stream (server and none do not need it).
  const VerifyMode method = proof_method(table, context.options.verify);
  const bool hash_stream = method == VerifyMode::readback || method == VerifyMode::stream;
  StreamChecksum checksum(table.binary_copy_safe,
                          method == VerifyMode::stream ? &*table.stream_hasher : nullptr);

  begin_snapshot_transaction(source, context.snapshot);
  target.exec("BEGIN");
  // A whole table is emptied in the same transaction (a retry after a crash starts clean) which
  // also lets COPY FREEZE write the rows already frozen: no later vacuum pass over them.
  if (unit.whole_table()) target.exec("TRUNCATE " + name);
  source.begin_copy_out(copy_out_sql(unit, table, format));
  target.begin_copy_in(fmt::format("COPY {}{} FROM STDIN (FORMAT {}{})", name, column_list(table), format,
                                   unit.whole_table() ? ", FREEZE" : ""));

  const char* data = nullptr;
  int size = 0;
  int64_t chunks = 0, bytes = 0, pending_bytes = 0;
  std::string chunk;
  chunk.reserve(copy_chunk_bytes + 64 * 1024);
  while (source.next_copy_row(&data, &size)) {
    if (hash_stream) checksum.add_message(data, static_cast<size_t>(size));
    chunk.append(data, static_cast<size_t>(size));
    if (chunk.size() >= copy_chunk_bytes) {
      target.put_copy_data(chunk.data(), static_cast<int>(chunk.size()));
      chunk.clear();
    }
    bytes += size;
    pending_bytes += size;
    if (++chunks % 1024 == 0) {
      context.bytes += pending_bytes;
      context.rows += 1024;
      pending_bytes = 0;
      if (context.stop.stopped()) throw Stopped();
      if (chunks == 1024) pause_point("copy", unit.id);
    }
  }
  if (!chunk.empty()) target.put_copy_data(chunk.data(), static_cast<int>(chunk.size()));
  context.bytes += pending_bytes;
  context.rows += chunks % 1024;
  target.end_copy_in();
  const int64_t rows = source.last_copy_rows();
  if (target.last_copy_rows() != rows) {  // both as the servers counted them
    throw UserError(fmt::format("copying {} ({}): the source sent {} rows, the target stored {}",
                                table.name.display(), unit.id, rows, target.last_copy_rows()));
  }
  Checksum total = checksum.total();
  if (method == VerifyMode::stream && skew_stream_hash(table.name.display())) total.sum += 1;
  const std::string sum = hash_stream ? total.decimal() : "";
  target.query(fmt::format("INSERT INTO {}.copied (unit, rows, bytes, checksum) VALUES ($1, $2, $3, $4)",
                           bookkeeping_schema),
               {unit.id, std::to_string(rows), std::to_string(bytes), sum});
  target.exec("COMMIT");
  source.exec("COMMIT");
  context.state.update([&](MigrationState& s) {
    for (auto& u : s.units) {
      if (u.unit.id == unit.id) {
        u.status = UnitStatus::done;
        u.rows = rows;
        u.bytes = bytes;
        u.checksum = sum;
      }
    }
  });
  pause_point("between", unit.id);
  return rows;
}

std::string copy_out_sql(const WorkUnit& unit, const TableInfo& table, const std::string& format) {
  std::string name = engines::qualified_name(table.name.schema, table.name.name);
  if (unit.whole_table())
    return fmt::format("COPY {}{} TO STDOUT (FORMAT {})", name, column_list(table), format);
  return fmt::format("COPY (SELECT {} FROM {}{}) TO STDOUT (FORMAT {})", table.columns, name,
                     unit.where_clause(), format);
}

void reconcile_units(MigrationContext& context, engines::PgConnection& target) {
  std::map<std::string, std::tuple<int64_t, int64_t, std::string>> committed;
  for (const auto& row :
       target.query(fmt::format("SELECT unit, rows, bytes, checksum FROM {}.copied", bookkeeping_schema))) {
    committed[*row[0]] = {std::stoll(*row[1]), std::stoll(*row[2]), row[3].value_or("")};
  }
  context.state.update([&](MigrationState& s) {
    for (auto& u : s.units) {
      auto it = committed.find(u.unit.id);
      if (it != committed.end()) {
        u.status = UnitStatus::done;
        std::tie(u.rows, u.bytes, u.checksum) = it->second;
      } else {
        u.status = UnitStatus::pending;  // a unit caught mid-copy rolled back with its transaction
        u.rows = u.bytes = 0;
        u.checksum.clear();
      }
    }
  });
}

}  // namespace rehome::migrate
