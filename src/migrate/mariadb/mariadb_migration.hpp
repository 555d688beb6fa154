#pragma once
// `rehome migrate mariadb` (and mysql): copy databases to another server in one consistent instant,
// in parallel by primary-key ranges, with their views, triggers, routines, events and accounts, and
// prove it: every key range is counted and hashed inside both servers, so a difference is located to
// a range. Resumable after kill -9; the resume state is bound to the target it describes.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "migrate/progress.hpp"
#include "migrate/selection.hpp"

namespace rehome::migrate {

struct MariadbMigrationOptions {
  std::string from;  // mariadb://user@host:port[/db] (mysql:// too); no db: every user database
  std::string to;
  std::vector<std::string> databases;  // --databases: only these (source names)
  std::vector<TableName> tables;       // --tables db.t (schema = database): only these
  std::string defaults_file;           // option file for both servers' passwords (else ~/.my.cnf, MYSQL_PWD)
  int jobs = 4;
  int64_t chunk_rows = 0;    // rows per key range; 0: from the table sizes and --jobs
  bool truncate = false;     // drop what the target holds of the migrated tables and objects first
  bool verify = true;        // false: row counts only
  bool verify_only = false;  // prove source against target by key ranges; copy and create nothing
  bool users = true;         // copy the accounts that hold privileges on the databases, with their grants
  std::filesystem::path work_dir = "rehome-work";
  std::filesystem::path state_file;  // empty: <work_dir>/mariadb-<db>-<hash>.state.json
  std::function<void(const Progress&)> on_progress;
  std::chrono::milliseconds progress_interval{1000};
  std::function<void(const std::string&)> on_step;
};

// One key range (or a whole table) as both servers counted and hashed it.
struct MariadbChunkCheck {
  std::string id;     // "app.orders#3"
  std::string range;  // "id >= 1000 AND id < 2000", "whole table"
  int64_t source_rows = 0, target_rows = 0;
  std::string source_sum, target_sum;
  bool ok() const { return source_rows == target_rows && source_sum == target_sum; }
};

struct MariadbTableCheck {
  TableName source, target;  // schema = database
  std::string engine;
  std::string split;  // "integer key", "key", "whole table"
  int chunks = 0;
  int64_t source_rows = 0, target_rows = 0;
  std::string source_checksum, target_checksum;  // digests of the chunks' sums
  int64_t source_bytes = 0;
  bool missing = false;                        // not on the target
  std::vector<MariadbChunkCheck> differences;  // the chunks that differ
  bool ok() const { return !missing && differences.empty() && source_rows == target_rows; }
};

struct MariadbObjectCheck {
  std::string kind;  // view, trigger, procedure, function, event, account
  std::string name;  // db.name or 'user'@'host'
  bool on_target = false;
};

struct MariadbMigrationReport {
  std::string source, target, selection;  // masked
  std::filesystem::path state_file;
  std::string run_id;
  std::string source_identity;  // server_uuid, or server_id and host:port on MariaDB
  std::string binlog_position;  // "file:pos, gtid ..." or "binlog off"
  double lock_seconds = 0;      // how long the source was read-locked
  bool resumed = false, already_complete = false, verify_only = false;
  std::string stale_state;  // why an existing state file was set aside ("" when it was not)
  bool content_proven = true;
  int64_t rows_copied = 0, bytes_copied = 0;
  int units = 0, units_copied_now = 0, units_reverified = 0, units_recopied = 0;
  double schema_seconds = 0, copy_seconds = 0, objects_seconds = 0, total_seconds = 0;
  double copy_work_seconds = 0, verify_work_seconds = 0;  // summed over workers
  std::vector<MariadbTableCheck> tables;
  std::vector<MariadbObjectCheck> objects;
  std::vector<std::string> notes;  // things a person should know (binlog off, accounts skipped ...)
  bool verified() const;
  std::vector<std::string> problems() const;
};

MariadbMigrationReport migrate_mariadb(const MariadbMigrationOptions& options);

// Evidence: the report as `rehome migrate mariadb --json` prints it and `rehome report` reads it back.
inline constexpr const char* kMariadbMigrationKind = "rehome.migration.mariadb";
inline constexpr int kMariadbMigrationFormat = 1;
nlohmann::json to_json(const MariadbMigrationReport& report);
MariadbMigrationReport mariadb_migration_from_json(const nlohmann::json& j);

// Parses --tables "db.t,t2" (unqualified: in `default_db`) and --databases "a,b".
std::vector<TableName> parse_mariadb_tables(const std::string& csv, const std::string& default_db);
std::vector<std::string> parse_mariadb_databases(const std::string& csv);

}  // namespace rehome::migrate
