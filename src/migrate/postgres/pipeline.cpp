// The pipeline: copy units, and per table, as soon as its last unit committed, its proof (the
// target's in-server hash for stream, a readback of its target rows, or both servers' in-server
// hashes for server), its indexes and table constraints
// (post-data wave 0) and, with --analyze, ANALYZE, while other tables still copy. `jobs` copy workers
// take the biggest copy unit left (a finished table's work once none is left) and `jobs` table
// workers take a finished table's work, like pgcopydb's --table-jobs and --index-jobs; each worker
// has a source and a target connection. Nothing waits at a step boundary, and a table is proved
// while it is still in the server's cache.
//
// Per table the order is fixed: copy units (in parallel) -> proof ranges on the target, and the
// source's count(*) (stream and readback, unless the table was copied whole in this run) or its
// ranges' hashes (server), in parallel -> index statements (one at a time: ALTER TABLE ... ADD PRIMARY KEY
// locks the table) -> ANALYZE. Foreign keys and the rest of post-data run after the pipeline (indexes step).
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "common/error.hpp"
#include "migrate/postgres/steps.hpp"

namespace rehome::migrate {
namespace {

// target_proof: a block range of the committed table on the target (readback or in-server hash);
// source_proof: the source's side in the snapshot (its row count, or a block range's in-server hash).
enum class TaskKind { copy, start, target_proof, source_proof, post_data, analyze };

struct Task {
  TaskKind kind = TaskKind::copy;
  size_t table = 0;  // index into Pipeline::tables
  WorkUnit unit;     // copy, target_proof, source_proof (server mode)
  const DumpEntry* entry = nullptr;
};

struct TableWork {
  const TableInfo* info = nullptr;
  int copies_left = 0;                    // copy units not yet committed
  int proofs_left = 0;                    // proof tasks not yet done
  std::vector<const DumpEntry*> entries;  // wave-0 post-data not yet done, run in this order
  size_t next_entry = 0;
  bool analyze = true;  // ANALYZE still to do
  Checksum target_sum, source_sum;
  // Rows of the table's COPY when it was copied whole in this run: the source server counted them
  // in the snapshot, so readback needs no count(*) of its own.
  std::optional<int64_t> whole_copy_rows;
};

std::string analyze_id(const TableName& t) { return "ANALYZE " + t.display(); }

class Pipeline {
 public:
  Pipeline(MigrationContext& context, const DumpScript& post_data)
      : context_(context), post_data_(post_data) {}

  int run() {
    plan();
    // `jobs` copy workers (a finished table's work when no unit is left) and `jobs` table workers
    // (a finished table's work only), like pgcopydb's --table-jobs and --index-jobs.
    int workers = std::max(1, context_.options.jobs);
    std::vector<std::thread> threads;
    for (int w = 0; w < 2 * workers; ++w) threads.emplace_back([this, w, workers] { work(w < workers); });
    for (auto& t : threads) t.join();
    if (error_) std::rethrow_exception(error_);
    return copied_;
  }

 private:
  // The tables, their pending units and their wave-0 post-data entries.
  void plan() {
    std::map<TableName, size_t> by_name;
    for (const auto& t : context_.tables) {
      by_name[t.name] = tables_.size();
      tables_.push_back({.info = &t});
    }
    for (const auto& u : context_.state.snapshot().units) {
      if (u.status == UnitStatus::done) continue;
      auto it = by_name.find(u.unit.table);
      if (it == by_name.end()) {
        throw UserError(
            fmt::format("table {} of the state file {} is no longer in the source", u.unit.table.display(),
                        context_.state.path().string()),
            "the source changed since the migration started: delete the state file and run again with "
            "--truncate");
      }
      ++tables_[it->second].copies_left;
      copies_.push_back({.kind = TaskKind::copy, .table = it->second, .unit = u.unit});
    }
    // Units are stored biggest first; keep that order.
    const auto done = context_.state.snapshot().post_data_done;
    std::map<std::pair<std::string, std::string>, TableName> index_tables;  // (schema, index) -> table
    {
      engines::PgConnection source(context_.source, "source");
      begin_snapshot_transaction(source, context_.snapshot);
      for (const auto& row : source.query(
               "SELECT n.nspname, i.relname, t.relname FROM pg_index x JOIN pg_class i ON i.oid = "
               "x.indexrelid "
               "JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = i.relnamespace")) {
        index_tables[{*row[0], *row[1]}] = {*row[0], *row[2]};
      }
      source.exec("COMMIT");
    }
    for (const auto& entry : post_data_.entries) {
      if (post_data_wave(entry) != 0 || !wanted_post_data(context_, entry) || done.count(entry.id()))
        continue;
      std::optional<TableName> table;
      if (entry.type == "INDEX") {
        auto it = index_tables.find({entry.schema, entry.name});
        if (it != index_tables.end()) table = it->second;
      } else if (!entry_table(entry).empty()) {
        table = TableName{entry.schema, entry_table(entry)};
      }
      auto it = table ? by_name.find(*table) : by_name.end();
      if (it == by_name.end()) continue;  // e.g. an index of a partitioned table: the indexes step builds it
      // Constraints (PRIMARY KEY ...) first: later indexes may rely on them, none rely on an index.
      auto& entries = tables_[it->second].entries;
      if (entry.type == "CONSTRAINT")
        entries.insert(entries.begin(), &entry);
      else
        entries.push_back(&entry);
    }
    for (size_t i = 0; i < tables_.size(); ++i) {
      tables_[i].analyze = context_.options.analyze && !done.count(analyze_id(tables_[i].info->name));
      // A table copied by an earlier run goes straight to its proof.
      if (tables_[i].copies_left == 0) ready_.push_back({.kind = TaskKind::start, .table = i});
    }
    pending_ = ready_.size() + copies_.size();
  }

  // Queues what a table needs once its data is all committed (lock held; `ranges`: its target
  // block ranges, queried beforehand). Readback: the target's ranges read back and the source's row
  // count; server: the target's ranges and the source's (the copy's split) hashed in each server.
  void queue_proof(size_t table, const std::vector<WorkUnit>& ranges) {
    TableWork& t = tables_[table];
    const VerifyMode mode = proof_method(*t.info, context_.options.verify);
    if (mode == VerifyMode::none) {
      queue_next_post(table);
      return;
    }
    for (const auto& r : ranges) push({.kind = TaskKind::target_proof, .table = table, .unit = r});
    std::vector<WorkUnit> source_ranges;
    if (mode == VerifyMode::server)
      source_ranges = split_into_units({*t.info}, {.jobs = context_.options.jobs});
    else if (t.whole_copy_rows)
      t.source_sum.rows = *t.whole_copy_rows;  // the source's own count, from its COPY of the whole table
    else
      source_ranges = {{.id = t.info->name.display(), .table = t.info->name}};  // its count(*)
    for (const auto& r : source_ranges) push({.kind = TaskKind::source_proof, .table = table, .unit = r});
    t.proofs_left = static_cast<int>(ranges.size() + source_ranges.size());
    if (t.proofs_left == 0) proof_complete(table);
  }

  // The next index statement of a table, or its ANALYZE (lock held).
  void queue_next_post(size_t table) {
    TableWork& t = tables_[table];
    if (t.next_entry < t.entries.size())
      push({.kind = TaskKind::post_data, .table = table, .entry = t.entries[t.next_entry++]});
    else if (t.analyze)
      push({.kind = TaskKind::analyze, .table = table});
  }

  // The ready task of the biggest table (the oldest of equals, lock held). A big table's chain
  // (proof, then its indexes one at a time) is what the last copies wait on: taken in arrival
  // order, each of its steps queued behind the small tables' work that arrived meanwhile.
  Task take_ready() {
    auto best = std::max_element(ready_.begin(), ready_.end(), [&](const Task& a, const Task& b) {
      return tables_[a.table].info->bytes < tables_[b.table].info->bytes;
    });
    Task task = std::move(*best);
    ready_.erase(best);
    return task;
  }

  void push(Task task) {
    ready_.push_back(std::move(task));
    ++pending_;
  }

  void work(bool copies) {
    std::unique_ptr<engines::PgConnection> source, target;
    try {
      source = std::make_unique<engines::PgConnection>(context_.source, "source");
      target = std::make_unique<engines::PgConnection>(context_.target, "target");
      prepare_source_session(*source);
      target->exec(post_data_.preamble);
      prepare_target_session(*target);
      target->exec("SET maintenance_work_mem = '256MB'");
    } catch (...) {
      fail(std::current_exception());
      return;
    }
    for (;;) {
      Task task;
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock,
                 [&] { return error_ || pending_ == 0 || !ready_.empty() || (copies && !copies_.empty()); });
        if (error_ || pending_ == 0) return;
        if (copies && !copies_.empty()) {
          task = std::move(copies_.front());
          copies_.pop_front();
        } else {
          task = take_ready();
        }
      }
      try {
        run_task(task, *source, *target);
      } catch (...) {
        fail(std::current_exception());
        return;
      }
      {
        std::lock_guard lock(mutex_);
        --pending_;
      }
      cv_.notify_all();
    }
  }

  void run_task(const Task& task, engines::PgConnection& source, engines::PgConnection& target) {
    TableWork& t = tables_[task.table];
    const TableName& name = t.info->name;
    switch (task.kind) {
      case TaskKind::copy: {
        int64_t rows = 0;
        {
          WorkTimer timer(context_.copy_work_us);
          rows = copy_unit(context_, source, target, task.unit, *t.info);
        }
        bool last = false;
        {
          std::lock_guard lock(mutex_);
          ++copied_;
          last = --t.copies_left == 0;
          if (task.unit.whole_table()) t.whole_copy_rows = rows;
        }
        if (last) start_table(task.table, target);
        return;
      }
      case TaskKind::start:
        start_table(task.table, target);
        return;
      case TaskKind::target_proof: {
        Checksum part;
        {
          WorkTimer timer(context_.verify_work_us);
          part = proof_method(*t.info, context_.options.verify) == VerifyMode::readback
                     ? readback_checksum(target, task.unit, *t.info)
                     : server_checksum(target, task.unit, *t.info);
        }
        proof_done(task.table, part, false);
        return;
      }
      case TaskKind::source_proof: {
        Checksum part;
        {
          WorkTimer timer(context_.verify_work_us);
          begin_snapshot_transaction(source, context_.snapshot);
          if (context_.options.verify == VerifyMode::server)
            part = server_checksum(source, task.unit, *t.info);
          else
            part.rows = source_row_count(source, name);
          source.exec("COMMIT");
        }
        proof_done(task.table, part, true);
        return;
      }
      case TaskKind::post_data: {
        {
          WorkTimer timer(context_.index_work_us);
          run_post_data_entry(context_, target, *task.entry);
        }
        std::lock_guard lock(mutex_);
        queue_next_post(task.table);
        return;
      }
      case TaskKind::analyze: {
        {
          WorkTimer timer(context_.index_work_us);
          target.exec("ANALYZE " + engines::qualified_name(name.schema, name.name));
        }
        context_.state.update([&](MigrationState& s) { s.post_data_done.insert(analyze_id(name)); });
        return;
      }
    }
  }

  void start_table(size_t table, engines::PgConnection& target) {
    std::vector<WorkUnit> ranges;
    if (context_.options.verify != VerifyMode::none)
      ranges = target_ranges(target, *tables_[table].info, context_.options.jobs);
    std::lock_guard lock(mutex_);
    queue_proof(table, ranges);
  }

  // One proof task's part (`on_source`: the source's side). Readback's source part is its row count.
  void proof_done(size_t table, const Checksum& part, bool on_source) {
    TableWork& t = tables_[table];
    std::lock_guard lock(mutex_);
    (on_source ? t.source_sum : t.target_sum).add(part);
    if (--t.proofs_left == 0) proof_complete(table);
  }

  // A table's proof is all done (lock held): its sums for verify(), then its indexes.
  void proof_complete(size_t table) {
    TableWork& t = tables_[table];
    {
      std::lock_guard proof(context_.proof_mutex);
      context_.target_sums[t.info->name] = t.target_sum;
      if (proof_method(*t.info, context_.options.verify) == VerifyMode::server)
        context_.source_sums[t.info->name] = t.source_sum;
      else
        context_.source_counts[t.info->name] = t.source_sum.rows;
    }
    queue_next_post(table);
  }

  void fail(std::exception_ptr error) {
    {
      std::lock_guard lock(mutex_);
      if (!error_) error_ = error;
    }
    context_.stop.stop();
    cv_.notify_all();
  }

  MigrationContext& context_;
  const DumpScript& post_data_;
  std::vector<TableWork> tables_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Task> ready_;   // a finished table's work
  std::deque<Task> copies_;  // copy units, biggest first
  size_t pending_ = 0;       // tasks queued or running
  int copied_ = 0;
  std::exception_ptr error_;
};

}  // namespace

int run_pipeline(MigrationContext& context, const DumpScript& post_data) {
  return Pipeline(context, post_data).run();
}

}  // namespace rehome::migrate
