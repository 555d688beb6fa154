// The follow's applier: mariadb-binlog's items applied to the target exactly once. Source
// transactions (START TRANSACTION ... COMMIT) are applied in a target transaction whose last statement
// before COMMIT moves _rehome.follow's position to the end of the last source commit event in it: all
// commit together or none does (kill -9 rolls the open transaction back). Consecutive source
// transactions read in one go share one target transaction (a group commit, at most 256): one commit
// and one bookkeeping update for many, which is what lets the follower outrun busy writers. The
// position only moves at a transaction's end, so a restart from it never begins inside one.
// Left out: the source's server_id and GTID settings (the target logs its own), row events of tables
// outside the selection, statements run in another database. DDL (implicit commit) records its position
// right after it; if a kill fell between, the DDL is the first thing replayed and "already exists" /
// "does not exist" errors of that one statement are taken as "already applied".
#include <algorithm>

#include <fmt/format.h>

#include "common/error.hpp"
#include "migrate/mariadb/follow_steps.hpp"
#include "migrate/test_hooks.hpp"

namespace rehome::migrate::mariadb {
namespace {

std::string head(const std::string& sql) {
  std::string h = sql.substr(0, 100);
  std::replace(h.begin(), h.end(), '\n', ' ');
  return h + (sql.size() > 100 ? "..." : "");
}

// Errors of a DDL statement run a second time.
bool replayed_ddl_error(unsigned code) {
  switch (code) {
    case 1007:  // database exists
    case 1008:  // database does not exist (drop)
    case 1050:  // table exists
    case 1051:  // unknown table (drop)
    case 1060:  // duplicate column
    case 1061:  // duplicate key name
    case 1091:  // cannot drop: does not exist
    case 1146:  // no such table
    case 1359:  // trigger exists
    case 1360:  // trigger does not exist
    case 1304:  // routine exists
    case 1305:  // routine does not exist
    case 1537:  // event exists
    case 1539:  // unknown event
      return true;
    default:
      return false;
  }
}

}  // namespace

bool FollowSelection::wants_database(const std::string& db) const {
  if (db == bookkeeping_db) return false;
  if (databases.count(db)) return true;
  for (const auto& t : tables)
    if (t.compare(0, db.size() + 1, db + ".") == 0) return true;
  return false;
}

bool FollowSelection::wants_table(const std::string& db, const std::string& table) const {
  return databases.count(db) > 0 || tables.count(db + "." + table) > 0;
}

void ensure_follow_table(MariadbConnection& target) {
  ensure_bookkeeping(target);
  target.exec(fmt::format(
      "CREATE TABLE IF NOT EXISTS {}.follow (name VARCHAR(64) PRIMARY KEY, run_id VARCHAR(32) NOT NULL, "
      "source_identity VARCHAR(512) NOT NULL, selection TEXT NOT NULL, rewrite_db VARCHAR(200) NOT NULL, "
      "start_file VARCHAR(255) NOT NULL, start_pos BIGINT NOT NULL, "
      "binlog_file VARCHAR(255) NOT NULL, binlog_pos BIGINT NOT NULL, transactions BIGINT NOT NULL DEFAULT "
      "0, "
      "applied DATETIME(3) NULL, request VARCHAR(16) NULL, stop_file VARCHAR(255) NULL, stop_pos BIGINT "
      "NULL) "
      "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
      MariadbConnection::quote_name(bookkeeping_db)));
}

std::string follow_lock_name(const std::string& name) { return "rehome_follow_" + name; }

BinlogApplier::BinlogApplier(MariadbConnection& target, std::string name, FollowSelection selection,
                             BinlogPosition start)
    : target_(target),
      name_(std::move(name)),
      selection_(std::move(selection)),
      position_(start),
      recorded_(start),
      file_(start.file) {
  stats_.from = start;
  stats_.to = start;
}

void BinlogApplier::queue(const std::string& sql) {
  batch_ += sql;
  batch_ += "\n;\n";  // on its own line: a statement may end with a -- comment
  if (in_transaction_ && batch_.size() > (4u << 20)) flush();
}

void BinlogApplier::flush() {
  if (batch_.empty()) return;
  std::string batch = std::move(batch_);
  batch_.clear();
  target_.exec(batch);
}

std::string BinlogApplier::record_sql(const BinlogPosition& p, int transactions) const {
  // UTC_TIMESTAMP, not NOW(): the replayed session runs with the source's SET TIMESTAMP.
  return fmt::format(
      "UPDATE {}.follow SET binlog_file = {}, binlog_pos = {}, transactions = transactions + {}, applied = "
      "UTC_TIMESTAMP(3) WHERE name = {}",
      MariadbConnection::quote_name(bookkeeping_db), target_.quote(p.file), p.pos, transactions,
      target_.quote(name_));
}

void BinlogApplier::record_in_session(const BinlogPosition& p) {
  queue(record_sql(p, 0));
  flush();
  recorded_ = p;
  stats_.to = p;
}

void BinlogApplier::commit_group() {
  if (!group_open_ || in_transaction_) return;
  pause_point("follow", "commit");  // tests: kill -9 with the rows in, neither position nor COMMIT
  queue(record_sql(group_position_, group_count_));
  queue("COMMIT");
  flush();
  recorded_ = stats_.to = position_ = group_position_;
  stats_.transactions += group_count_;
  group_count_ = 0;
  group_open_ = false;
  tolerate_replayed_ddl_ = false;
}

void BinlogApplier::record() {
  commit_group();
  if (in_transaction_ || compare_positions(position_, recorded_) == 0) return;
  record_in_session(position_);
}

void BinlogApplier::rollback() {
  batch_.clear();
  if (!in_transaction_ && !group_open_) return;
  target_.exec("ROLLBACK");
  in_transaction_ = group_open_ = false;
  group_count_ = 0;
  pending_tables_.clear();
}

void BinlogApplier::apply(const BinlogItem& item) {
  if (item.kind == BinlogItem::Kind::header) {
    last_event_ = item.event;
    if (item.event == "Rotate") {
      if (!item.rotate_file.empty()) {
        file_ = item.rotate_file;
        if (!in_transaction_ && item.rotate_pos > 0) {
          BinlogPosition next{file_, item.rotate_pos};
          if (group_open_) {
            group_position_ = next;
          } else if (compare_positions(next, position_) > 0) {
            position_ = next;
            record();
          }
        }
      }
      return;
    }
    if (item.end_pos > 0) last_end_ = item.end_pos;
    if (item.event == "Table_map") pending_tables_.emplace_back(item.table_db, item.table_name);
    // Events that carry no change end a group by themselves (outside a transaction).
    if (!in_transaction_ && item.end_pos > 0 &&
        (item.event == "Binlog" || item.event == "Gtid" || item.event == "Start" || item.event == "Stop")) {
      BinlogPosition next{file_, item.end_pos};
      BinlogPosition& at = group_open_ ? group_position_ : position_;
      if (compare_positions(next, at) > 0) at = next;
    }
    return;
  }
  statement(item.sql);
}

void BinlogApplier::exec_ddl(const std::string& sql) {
  commit_group();
  flush();
  try {
    target_.exec(sql);
  } catch (const engines::MariadbError& e) {
    if (!(tolerate_replayed_ddl_ && replayed_ddl_error(e.code()))) throw;
    stats_.notes.push_back(
        fmt::format("DDL at {}:{} was applied before the last stop (error {} when replayed): "
                    "passed over: {}",
                    file_, last_end_, e.code(), head(sql)));
  }
}

void BinlogApplier::statement(const std::string& sql) {
  std::string argument;
  const StatementKind kind = classify_statement(sql, &argument);
  const BinlogPosition here{file_, last_end_};
  try {
    switch (kind) {
      case StatementKind::identity:
        return;
      case StatementKind::charset:
        queue("SET NAMES " + argument);
        return;
      case StatementKind::session:
        queue(sql);
        return;
      case StatementKind::use:
        current_db_ = argument;
        if (selection_.wants_database(argument)) queue(sql);
        return;
      case StatementKind::begin:
        if (in_transaction_) rollback();
        if (!group_open_) queue("START TRANSACTION");
        in_transaction_ = true;
        pending_tables_.clear();
        return;
      case StatementKind::binlog: {
        // Outside a transaction: the format description (the session needs it). Inside: table maps and
        // row events, left out when every table they map is outside the selection.
        bool wanted = !in_transaction_ || pending_tables_.empty();
        for (const auto& [db, table] : pending_tables_) wanted = wanted || selection_.wants_table(db, table);
        pending_tables_.clear();
        if (!wanted) {
          ++stats_.skipped_statements;
          return;
        }
        // A BINLOG statement ends its batch: the server's reply to it does not say that more results
        // follow, so statements queued after it would leave their replies unread (and every later
        // reply would answer the statement before).
        queue(sql);
        flush();
        ++stats_.statements;
        return;
      }
      case StatementKind::commit:
        if (!in_transaction_) return;
        in_transaction_ = false;
        group_open_ = true;
        group_position_ = here;
        if (++group_count_ >= 256) commit_group();
        return;
      case StatementKind::rollback:
        rollback();
        return;
      case StatementKind::query:
        break;
    }
    // A statement of its own: DDL (outside a transaction) or a statement-based change (inside).
    const bool ours = !current_db_.empty() && selection_.wants_database(current_db_);
    if (in_transaction_) {
      if (!ours) {
        ++stats_.skipped_statements;
        return;
      }
      queue(sql);
      ++stats_.statements;
      return;
    }
    commit_group();  // DDL commits implicitly: what came before is committed first, with its position
    if (ours) {
      exec_ddl(sql);
      ++stats_.ddl;
    } else {
      ++stats_.skipped_statements;
      if (current_db_.empty() && stats_.notes.size() < 20)
        stats_.notes.push_back(
            fmt::format("DDL without a default database at {} passed over (the follow applies "
                        "DDL run in a selected database): {}",
                        here.text(), head(sql)));
    }
    tolerate_replayed_ddl_ = false;
    position_ = here;
    record_in_session(here);
  } catch (const engines::MariadbError& e) {
    try {
      rollback();
    } catch (...) {
    }
    throw UserError(
        fmt::format("applying the source's binlog on the target failed at {} ({}): {}", here.text(),
                    last_event_, e.what()),
        fmt::format("the target holds every source transaction before {} (recorded in {}.follow); "
                    "fix the cause (a change made on the target? DDL passed over?) and run the "
                    "follow again: it resumes there",
                    recorded_.text(), bookkeeping_db));
  }
}

}  // namespace rehome::migrate::mariadb
