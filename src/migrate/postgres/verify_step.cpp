// verify step: the proof. Per table, row count and content checksum computed inside each server,
// over block ranges in parallel on both sides at once; table count, sequence values, sizes.
#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "migrate/postgres/checksum.hpp"
#include "migrate/postgres/steps.hpp"

namespace rehome::migrate {
namespace {

struct VerifyTask {
  bool on_source = true;
  WorkUnit unit;
  bool count_only = false;  // the source's own row count of the whole table (readback mode)
};

// One task's part of a table's checksum, by the table's method (a table only on the target: the
// text-form hash, its count is what matters). Stream's sums, when not taken from the copy, are the
// server's own row_hash_sql on either side: what rehome's RowHasher reproduces.
Checksum part_checksum(engines::PgConnection& db, const VerifyTask& task, VerifyMode mode,
                       const TableInfo* source_table) {
  if (source_table == nullptr) return server_checksum(db, task.unit, TableInfo{.name = task.unit.table});
  if (proof_method(*source_table, mode) == VerifyMode::readback)
    return readback_checksum(db, task.unit, *source_table);
  return server_checksum(db, task.unit, *source_table);
}

std::map<TableName, int64_t> total_sizes(engines::PgConnection& db) {
  std::map<TableName, int64_t> sizes;
  for (const auto& row :
       db.query("SELECT n.nspname, c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r'")) {
    sizes[{*row[0], *row[1]}] = std::stoll(*row[2]);
  }
  return sizes;
}

std::vector<TableInfo> selected(const std::vector<TableInfo>& tables, const Selection& selection) {
  std::vector<TableInfo> out;
  for (const auto& t : tables) {
    if (selection.includes(t.name)) out.push_back(t);
  }
  return out;
}

// Where run_verify_tasks adds each task's part.
struct ProofSums {
  std::map<TableName, Checksum>& source;
  std::map<TableName, Checksum>& target;
  std::map<TableName, int64_t>& source_counts;
};

// Runs the tasks on `jobs` pairs of connections (the source's in the migration's snapshot).
void run_verify_tasks(MigrationContext& context, const std::vector<VerifyTask>& tasks, VerifyMode mode,
                      const std::map<TableName, const TableInfo*>& source_info, ProofSums sums) {
  std::mutex mutex;
  context.steps_total = static_cast<int64_t>(tasks.size());
  context.steps_done = 0;
  run_parallel(context.options.jobs, tasks.size(), context.stop, [&](int) {
    auto src = std::make_shared<engines::PgConnection>(context.source, "source");
    auto dst = std::make_shared<engines::PgConnection>(context.target, "target");
    src->exec(checksum_session_settings);
    dst->exec(checksum_session_settings);
    begin_snapshot_transaction(*src, context.snapshot);  // kept open: every task reads the copy's instant
    return [&, src, dst](size_t i) {
      const VerifyTask& task = tasks[i];
      WorkTimer timer(context.verify_work_us);
      if (task.count_only) {
        int64_t n = source_row_count(*src, task.unit.table);
        std::lock_guard lock(mutex);
        sums.source_counts[task.unit.table] = n;
        ++context.steps_done;
        return;
      }
      auto it = source_info.find(task.unit.table);
      Checksum part = part_checksum(task.on_source ? *src : *dst, task, mode,
                                    it == source_info.end() ? nullptr : it->second);
      std::lock_guard lock(mutex);
      (task.on_source ? sums.source : sums.target)[task.unit.table].add(part);
      ++context.steps_done;
    };
  });
}

// Stream: a table whose sums differ although its row counts agree is read back byte-exact on both
// sides (the source in the snapshot) before anything is reported: either rehome's RowHasher and the
// server hash some value differently, or the content does differ, and the readback tells which.
void reread_differences(MigrationContext& context, PgMigrationReport& report,
                        const std::map<TableName, const TableInfo*>& source_info,
                        const std::map<TableName, TableInfo>& target_info) {
  std::vector<VerifyTask> tasks;
  for (const auto& check : report.tables) {
    if (check.ok() || check.proof != VerifyMode::stream || check.source_rows != check.target_rows) continue;
    for (const auto& u : split_into_units({*source_info.at(check.table)}, {.jobs = context.options.jobs}))
      tasks.push_back({true, u});
    for (const auto& u : split_into_units({target_info.at(check.table)}, {.jobs = context.options.jobs}))
      tasks.push_back({false, u});
  }
  if (tasks.empty()) return;
  std::map<TableName, Checksum> source_sums, target_sums;
  std::map<TableName, int64_t> unused_counts;
  run_verify_tasks(context, tasks, VerifyMode::readback, source_info,
                   {.source = source_sums, .target = target_sums, .source_counts = unused_counts});
  for (auto& check : report.tables) {
    if (!source_sums.count(check.table)) continue;
    check.source_checksum = source_sums[check.table].hex();
    check.target_checksum = target_sums[check.table].hex();
    check.source_rows = source_sums[check.table].rows;
    check.target_rows = target_sums[check.table].rows;
    check.proof = VerifyMode::readback;
    check.reread = true;
  }
}

}  // namespace

const char* verify_mode_name(VerifyMode mode) {
  switch (mode) {
    case VerifyMode::stream:
      return "stream";
    case VerifyMode::readback:
      return "readback";
    case VerifyMode::server:
      return "server";
    case VerifyMode::none:
      return "none";
  }
  return "none";
}

Checksum readback_checksum(engines::PgConnection& db, const WorkUnit& unit, const TableInfo& table) {
  StreamChecksum stream(table.binary_copy_safe);
  db.begin_copy_out(copy_out_sql(unit, table, copy_format(table)));
  const char* data = nullptr;
  int size = 0;
  while (db.next_copy_row(&data, &size)) stream.add_message(data, static_cast<size_t>(size));
  return stream.total();
}

std::vector<WorkUnit> target_ranges(engines::PgConnection& target, const TableInfo& table, int jobs) {
  auto rows = target.query(
      "SELECT pg_relation_size(c), pg_relation_size(c) / current_setting('block_size')::bigint "
      "FROM (SELECT $1::regclass AS c) r",
      {engines::qualified_name(table.name.schema, table.name.name)});
  TableInfo on_target = table;
  on_target.bytes = std::stoll(*rows[0][0]);
  on_target.blocks = std::stoll(*rows[0][1]);
  return split_into_units({on_target}, {.jobs = jobs});
}

Checksum server_checksum(engines::PgConnection& db, const WorkUnit& unit, const TableInfo& table) {
  auto rows = db.query(checksum_sql(engines::qualified_name(unit.table.schema, unit.table.name),
                                    unit.where_clause(), table.row_hash));
  Checksum part;
  part.add(std::stoll(*rows[0][0]), *rows[0][1]);
  return part;
}

int64_t source_row_count(engines::PgConnection& source, const TableName& table) {
  return std::stoll(
      source.scalar("SELECT count(*) FROM " + engines::qualified_name(table.schema, table.name)));
}

void verify(MigrationContext& context, engines::PgConnection& source, engines::PgConnection& target,
            PgMigrationReport& report) {
  const auto& options = context.options;
  std::vector<TableInfo> target_tables = selected(read_tables(target), options.selection);
  std::set<TableName> source_names, target_names;
  for (const auto& t : context.tables) source_names.insert(t.name);
  for (const auto& t : target_tables) target_names.insert(t.name);

  std::map<TableName, const TableInfo*> source_info;
  for (const auto& t : context.tables) source_info[t.name] = &t;
  std::map<TableName, Checksum> source_sums, target_sums;
  std::map<TableName, int64_t> source_counts;
  std::set<TableName> target_done, source_done;  // proved by the pipeline in this run
  {
    std::lock_guard lock(context.proof_mutex);
    for (const auto& [name, sum] : context.target_sums) {
      if (target_names.count(name)) {
        target_sums[name] = sum;
        target_done.insert(name);
      }
    }
    for (const auto& [name, sum] : context.source_sums) {
      source_sums[name] = sum;
      source_done.insert(name);
    }
    source_counts = context.source_counts;
  }
  std::vector<VerifyTask> tasks;
  const auto units = context.state.snapshot().units;
  // Readback and stream: the source's sums were taken while copying (when every unit has one); else
  // the source is read in the copy's units (same snapshot, same ranges). The target is read in its
  // own ranges.
  bool source_from_copy =
      (options.verify == VerifyMode::readback || options.verify == VerifyMode::stream) &&
      std::all_of(units.begin(), units.end(), [](const UnitProgress& u) { return !u.checksum.empty(); });
  // --verify none: row counts only, each unit's as both servers reported it during the copy.
  // A run adopted from the target's record (no state file, no copy here) has no units: both sides are
  // read in full.
  const bool counts_only = options.verify == VerifyMode::none && !units.empty();
  if (units.empty()) {
    for (const auto& u : split_into_units(context.tables, {.jobs = options.jobs}))
      if (!source_done.count(u.table)) tasks.push_back({true, u});
  }
  for (const auto& u : units) {
    if (source_from_copy)
      source_sums[u.unit.table].add(u.rows, u.checksum);
    else if (counts_only)
      source_sums[u.unit.table].rows += u.rows;
    else if (!source_done.count(u.unit.table))
      tasks.push_back({true, u.unit});
  }
  // The source's sums came from the copy's own ranges: its row counts are taken independently, in
  // the server, so rows a range missed (or read twice) cannot go unnoticed.
  if (source_from_copy) {
    for (const auto& t : context.tables) {
      if (!source_counts.count(t.name))
        tasks.push_back({true, {.id = t.name.display(), .table = t.name, .estimated_bytes = t.bytes}, true});
    }
  }
  std::vector<TableInfo> to_read;
  for (const auto& t : target_tables) {
    if (counts_only)
      target_sums[t.name].rows = source_sums[t.name].rows;  // each unit's target COPY count was equal
    else if (!target_done.count(t.name))
      to_read.push_back(t);
  }
  for (const auto& u : split_into_units(to_read, {.jobs = options.jobs})) tasks.push_back({false, u});
  std::stable_sort(tasks.begin(), tasks.end(), [](const VerifyTask& a, const VerifyTask& b) {
    return a.unit.estimated_bytes > b.unit.estimated_bytes;
  });

  run_verify_tasks(context, tasks, options.verify, source_info,
                   {.source = source_sums, .target = target_sums, .source_counts = source_counts});

  auto source_sizes = total_sizes(source), target_sizes = total_sizes(target);
  report.content_proven = !counts_only;
  report.tables.clear();
  for (const auto& name : source_names) {
    TableCheck check{.table = name, .proof = proof_method(*source_info.at(name), options.verify)};
    check.source_rows = source_sums[name].rows;
    // Rows the copy's ranges sent but the source does not count (or the reverse) fail as a row
    // difference: the target holds what was sent.
    if (source_from_copy && source_counts.count(name)) check.source_rows = source_counts[name];
    check.source_checksum = counts_only ? "" : source_sums[name].hex();
    check.source_bytes = source_sizes[name];
    if (target_names.count(name)) {
      check.target_rows = target_sums[name].rows;
      check.target_checksum = counts_only ? "" : target_sums[name].hex();
      check.target_bytes = target_sizes[name];
    }
    report.tables.push_back(check);
  }
  std::map<TableName, TableInfo> target_info;
  for (const auto& t : target_tables) target_info[t.name] = t;
  reread_differences(context, report, source_info, target_info);
  report.extra_target_tables.clear();
  for (const auto& name : target_names) {
    if (!source_names.count(name)) report.extra_target_tables.push_back(name.display());
  }

  // Sequences: every source sequence of the selection must be on the target with the same value.
  std::map<TableName, SequenceValue> target_sequences;
  for (const auto& s : read_sequences(target)) target_sequences[s.name] = s;
  report.sequences.clear();
  for (const auto& s : read_sequences(source)) {
    auto it = target_sequences.find(s.name);
    bool in_scope =
        options.selection.tables.empty() ? options.selection.includes(s.name) : it != target_sequences.end();
    if (!in_scope) continue;
    SequenceCheck check{
        .sequence = s.name, .source = s.last_value, .target_exists = it != target_sequences.end()};
    if (check.target_exists) check.target = it->second.last_value;
    report.sequences.push_back(check);
  }
}

}  // namespace rehome::migrate
