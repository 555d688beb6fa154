#pragma once
// Internal to the MariaDB follow (mariadb_follow.hpp), one piece per file: binlog_text.cpp reads
// mariadb-binlog's output (pure), binlog_stream.cpp runs mariadb-binlog, binlog_apply.cpp applies
// what it prints to the target exactly once, follow_checks.cpp checks a source before anything is
// written, follow.cpp runs the follow, cutover, lag and stop.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engines/mariadb_connection.hpp"
#include "migrate/mariadb/mariadb_follow.hpp"
#include "migrate/mariadb/steps.hpp"

namespace rehome::migrate::mariadb {

using engines::MariadbConnection;

// The endpoint without its database: the follow's connections work across databases.
inline engines::MariadbEndpoint server_endpoint(engines::MariadbEndpoint e) {
  e.database.clear();
  return e;
}

// ---- binlog_text.cpp (pure)
// One item of mariadb-binlog's text output: an event's header comment, or a statement.
struct BinlogItem {
  enum class Kind { header, statement };
  Kind kind = Kind::statement;
  // header: "#261207  5:53:23 server id 7  end_log_pos 2114 CRC32 0x...  Xid = 25"
  std::string event;    // the description's first word: GTID, Query, Xid, Table_map, Write_rows, Rotate ...
  int64_t end_pos = 0;  // end_log_pos (0 for the artificial events mariadb-binlog prints first)
  std::string rotate_file;  // Rotate: the next file and offset
  int64_t rotate_pos = 0;
  std::string table_db, table_name;  // Table_map: the table as printed (after --rewrite-db)
  // statement: its text without the delimiter
  std::string sql;
};

// Splits mariadb-binlog's output into items: comment lines outside a statement are headers (or
// ignored), DELIMITER lines change the delimiter, everything else gathers into statements.
class BinlogTextParser {
 public:
  // One line without its '\n'; appends the items it completes to `out`.
  void line(std::string_view text, std::vector<BinlogItem>& out);

 private:
  std::string delimiter_ = ";";
  std::string buffer_;
};

// What a statement of mariadb-binlog's output is for the applier.
enum class StatementKind {
  begin,     // START TRANSACTION / BEGIN
  commit,    // COMMIT
  rollback,  // ROLLBACK
  binlog,    // BINLOG '...': row events (or the format description)
  charset,   // /*!\C utf8mb4 */: the client's character set (argument: the name)
  use,       // use `db` (argument: db)
  session,   // SET ... of the session context (timestamps, sql_mode, character sets ...)
  identity,  // SET of the source's server_id / GTID: left out, the target logs under its own
  query,     // anything else: DDL, or a statement-based change
};
StatementKind classify_statement(const std::string& sql, std::string* argument = nullptr);

// ---- binlog_stream.cpp
// `mariadb-binlog --read-from-remote-server --stop-never` from `start`, its output read line by line.
// The password (URL) goes through a 0600 option file in a private 0700 temp folder, deleted once the
// program printed its first line (it read its options at start); never argv. The destructor stops
// the program (SIGTERM, then SIGKILL) and removes the folder.
struct StreamSource {
  engines::MariadbEndpoint endpoint;  // the source
  std::string defaults_file;          // --defaults-file of the migration, if any
  std::string rewrite_db;             // "a->b" when the target database has another name
  uint32_t server_id = 0;             // the dump connection's server id (unique per follow)
};
class BinlogStream {
 public:
  BinlogStream(const StreamSource& source, const BinlogPosition& start);
  ~BinlogStream();
  BinlogStream(const BinlogStream&) = delete;
  BinlogStream& operator=(const BinlogStream&) = delete;
  // Waits up to `wait` for output; appends complete lines. False once the program exited and
  // everything it printed was read.
  bool read_lines(std::chrono::milliseconds wait, std::vector<std::string>& lines);
  // The program's exit status (after read_lines returned false) and its last error lines, masked.
  int exit_code() const { return exit_code_; }
  std::string errors() const;

 private:
  void remove_password_file();
  std::filesystem::path dir_, password_file_, stderr_file_;
  pid_t pid_ = -1;
  int fd_ = -1;
  int exit_code_ = -1;
  std::string partial_;
};

// ---- binlog_apply.cpp
// What the follow applies, by target names: whole databases, or single tables (db.table).
struct FollowSelection {
  std::set<std::string> databases;
  std::set<std::string> tables;  // "db.table"
  bool wants_database(const std::string& db) const;
  bool wants_table(const std::string& db, const std::string& table) const;
};
// The bookkeeping of follows on the target (database _rehome).
void ensure_follow_table(MariadbConnection& target);
std::string follow_lock_name(const std::string& name);

// Applies items to the target (a connection opened with multi_statements), each source transaction in one
// target transaction that also records its end position in _rehome.follow.
class BinlogApplier {
 public:
  BinlogApplier(MariadbConnection& target, std::string name, FollowSelection selection, BinlogPosition start);
  void apply(const BinlogItem& item);
  // The end of the last complete event group: everything before it is applied.
  const BinlogPosition& position() const { return position_; }
  bool in_transaction() const { return in_transaction_ || group_open_; }
  // The output read so far is applied: commits the group of source transactions waiting (see
  // binlog_apply.cpp). The follower calls it after each read.
  void end_of_input() { commit_group(); }
  // Abandons an open transaction (its events come again from the recorded position).
  void rollback();
  // Records position() when it moved past the recorded one without a transaction (non-data events).
  void record();
  MariadbApplyStats& stats() { return stats_; }

 private:
  void statement(const std::string& sql);
  // Statements wait in one batch (one round trip, `target` opened with multi_statements) until a
  // COMMIT, a DDL or a record; a batch over 4 MB inside a transaction goes early.
  void queue(const std::string& sql);
  void flush();
  void exec_ddl(const std::string& sql);
  void record_in_session(const BinlogPosition& p);
  std::string record_sql(const BinlogPosition& p, int transactions) const;
  void commit_group();
  MariadbConnection& target_;
  std::string name_;
  FollowSelection selection_;
  BinlogPosition position_, recorded_;
  std::string file_;
  int64_t last_end_ = 0;
  std::string last_event_;
  bool in_transaction_ = false;  // inside a source transaction
  // Source transactions applied in the open target transaction, not committed yet, and where they end.
  bool group_open_ = false;
  int group_count_ = 0;
  BinlogPosition group_position_;
  bool tolerate_replayed_ddl_ = true;  // the first DDL after a start may be one a kill caught
  std::string current_db_;
  std::vector<std::pair<std::string, std::string>> pending_tables_;  // table maps before a BINLOG
  MariadbApplyStats stats_;
  std::string batch_;
};

}  // namespace rehome::migrate::mariadb
