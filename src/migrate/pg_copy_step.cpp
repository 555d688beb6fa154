// copy step: each unit streams COPY TO STDOUT on the source straight into COPY FROM STDIN on the
// target, in the migration's snapshot, and commits together with its row in the bookkeeping table,
// so a unit is on the target exactly once whatever moment the process is killed at.
#include <map>
#include <memory>

#include <fmt/format.h>

#include "common/error.hpp"
#include "migrate/checksum.hpp"
#include "migrate/pg_steps.hpp"
#include "migrate/test_pause.hpp"

namespace rehome::migrate {
namespace {

struct Stopped : std::runtime_error {
  Stopped() : std::runtime_error("stopped because another worker failed") {}
};

// " (a,b)", or nothing for a table without columns (valid in PostgreSQL).
std::string column_list(const TableInfo& table) {
  return table.columns.empty() ? "" : " (" + table.columns + ")";
}

void copy_one(MigrationContext& context, PgConnection& source, PgConnection& target, const WorkUnit& unit,
              const TableInfo& table) {
  context.state.update([&](MigrationState& s) {
    for (auto& u : s.units) {
      if (u.unit.id == unit.id) {
        u.status = UnitStatus::copying;
        ++u.attempts;
      }
    }
  });
  const std::string name = qualified_name(table.name.schema, table.name.name);
  // Binary COPY is faster (no text conversion on either side); user-defined types go as text.
  const std::string format = copy_format(table);
  StreamChecksum checksum(table.binary_copy_safe);  // the source side of the proof, for free

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
  while (source.next_copy_row(&data, &size)) {
    target.put_copy_data(data, size);
    checksum.add_message(data, static_cast<size_t>(size));
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
  context.bytes += pending_bytes;
  context.rows += chunks % 1024;
  target.end_copy_in();
  const int64_t rows = source.last_copy_rows();
  const std::string sum = checksum.total().decimal();
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
}

}  // namespace

std::string copy_out_sql(const WorkUnit& unit, const TableInfo& table, const std::string& format) {
  std::string name = qualified_name(table.name.schema, table.name.name);
  if (unit.whole_table())
    return fmt::format("COPY {}{} TO STDOUT (FORMAT {})", name, column_list(table), format);
  return fmt::format("COPY (SELECT {} FROM {}{}) TO STDOUT (FORMAT {})", table.columns, name,
                     unit.where_clause(), format);
}

void reconcile_units(MigrationContext& context, PgConnection& target) {
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

int copy_units(MigrationContext& context) {
  std::map<TableName, const TableInfo*> by_name;
  for (const auto& t : context.tables) by_name[t.name] = &t;
  std::vector<WorkUnit> pending;
  for (const auto& u : context.state.snapshot().units) {
    if (u.status == UnitStatus::done) continue;
    if (!by_name.count(u.unit.table)) {
      throw UserError(
          fmt::format("table {} of the state file {} is no longer in the source", u.unit.table.display(),
                      context.state.path().string()),
          "the source changed since the migration started: delete the state file and run again with "
          "--truncate");
    }
    pending.push_back(u.unit);
  }
  std::atomic<int> copied{0};
  run_parallel(context.options.jobs, pending.size(), context.stop, [&](int) {
    auto source = std::make_shared<PgConnection>(context.source, "source");
    auto target = std::make_shared<PgConnection>(context.target, "target");
    // Each unit commits with its bookkeeping row; waiting for the WAL flush of each is not needed
    // for correctness (a lost commit is a unit copied again), and the end of the run syncs.
    target->exec("SET synchronous_commit = off");
    return [&, source, target](size_t i) {
      copy_one(context, *source, *target, pending[i], *by_name.at(pending[i].table));
      ++copied;
    };
  });
  return copied.load();
}

}  // namespace rehome::migrate
