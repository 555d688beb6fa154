#pragma once
// Internal to migrate mariadb: the catalog, key ranges, and one function per step (snapshot.cpp,
// catalog.cpp, chunks.cpp, schema.cpp, objects.cpp, copy.cpp, verify.cpp, state.cpp, pipeline.cpp).
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engines/mariadb_connection.hpp"
#include "migrate/mariadb/mariadb_migration.hpp"

namespace rehome::migrate::mariadb {

using engines::MariadbConnection;
using engines::MariadbEndpoint;

struct Column {
  std::string name;
  std::string data_type;  // int, varchar, bit, geometry ...
  std::string charset;    // "" for non-string columns
  bool nullable = false;
  bool generated = false;  // VIRTUAL/STORED GENERATED: not copied as values
  bool numeric() const;    // written unquoted
  bool bit() const { return data_type == "bit"; }
  bool spatial() const;  // geometry, point, polygon ...
  // How the column is read for the copy and the proof. FLOAT as DOUBLE: its own text form has 6
  // significant digits and does not round-trip (1/7 comes back as another float), a DOUBLE's does,
  // and the target rounds it back to the very same FLOAT.
  std::string read_expr() const;
};

struct Table {
  TableName name;  // schema = source database
  std::string engine;
  bool transactional = true;  // InnoDB: read in the snapshot; else under the read lock
  std::vector<Column> columns;
  std::vector<size_t> key;   // columns of the primary key (or a unique NOT NULL key); empty: none
  bool integer_key = false;  // one integer column: ranges by value
  int64_t estimated_rows = 0, bytes = 0, avg_row_bytes = 0;
};

// A key tuple as raw bytes (the server's text form in the column's own character set).
using Key = std::vector<std::string>;

// A unit of copy and of proof: key >= lower (if any) and key < upper (if any); a table without a
// key is one unit.
struct Chunk {
  std::string id;  // "db.table#N", stable across runs
  TableName table;
  int index = 0;
  std::optional<Key> lower, upper;
  int64_t estimated_rows = 0;
  bool whole_table() const { return !lower && !upper; }
};

// What one side says of a chunk: its rows and the sum of its rows' hashes.
struct ChunkSum {
  int64_t rows = 0;
  std::string sum;
};

// ---- snapshot.cpp
// Session settings of every connection that reads or writes rows: bytes as stored (binary), UTC for
// TIMESTAMP columns, zero kept in AUTO_INCREMENT columns.
void set_copy_session(MariadbConnection& c);
// Takes FLUSH TABLES WITH READ LOCK on `control` until release(); thread-safe, idempotent.
class ReadLock {
 public:
  explicit ReadLock(MariadbConnection& control);
  ~ReadLock();
  void release();
  double held_seconds() const;

 private:
  MariadbConnection& control_;
  std::mutex mutex_;
  bool held_ = false;
  double start_ = 0, seconds_ = 0;
};
// START TRANSACTION WITH CONSISTENT SNAPSHOT (REPEATABLE READ), after set_copy_session.
void begin_snapshot(MariadbConnection& c);
// "binlog.000003:1234, gtid 0-1-42" or "binlog off"; read while the lock is held.
std::string binlog_position(MariadbConnection& control);
// @@server_uuid (MySQL) or "server_id N at host:port (version)" (MariaDB has no server uuid).
std::string server_identity(MariadbConnection& c);

// ---- catalog.cpp
std::vector<std::string> user_databases(MariadbConnection& c);
// 'a','b' quoted for an IN (...) list ('' when empty).
std::string in_list(MariadbConnection& c, const std::vector<std::string>& names);
// The base tables of `databases` (filtered by `only` when not empty), with columns and keys.
std::vector<Table> read_tables(MariadbConnection& c, const std::vector<std::string>& databases,
                               const std::vector<TableName>& only);

// ---- chunks.cpp (the SQL pieces are pure given a quoting function)
using Quote = std::function<std::string(const Column&, const std::string&)>;
// Cuts a table into key ranges of about `chunk_rows` rows, reading its keys in `c` (a snapshot).
std::vector<Chunk> split_table(MariadbConnection& c, const Table& table, int64_t chunk_rows);
// "WHERE ..." selecting the chunk's rows ("" for a whole table).
std::string chunk_where(const Table& table, const Chunk& chunk, const Quote& quote);
// For people: "id >= 1000 AND id < 2000", "whole table".
std::string chunk_range_text(const Table& table, const Chunk& chunk);
// A literal of `value` for a comparison with `column` (introducer for its character set).
std::string key_literal(MariadbConnection& c, const Column& column, const std::string& value);
std::string qualified(const std::string& db, const std::string& table);

// ---- schema.cpp: databases and tables (run before the copy)
// A CREATE TABLE split for a faster load (as myloader's --innodb-optimize-keys): the statement
// without the secondary indexes, and those as "ADD ..." clauses, built once the rows are in (one
// sort per index instead of a random insert per row). Only InnoDB tables with a PRIMARY KEY and
// no foreign key defer (a foreign key needs its index; the key ranges need the primary key);
// FULLTEXT and SPATIAL indexes stay. Pure: unit-tested.
struct DeferredIndexes {
  std::string create;                // the CREATE TABLE to run before the copy
  std::vector<std::string> names;    // the deferred indexes' names
  std::vector<std::string> clauses;  // "ADD KEY `k` (`a`,`b`)", in the source's order
};
struct Schema {
  std::map<std::string, std::string> database_ddl;  // source db -> CREATE DATABASE
  std::map<TableName, std::string> table_ddl;       // source table -> CREATE TABLE
  std::map<TableName, DeferredIndexes> deferred;    // source table -> what create_schema runs, and after
};
// Also which secondary indexes wait (defer_indexes; none on tables foreign keys reference: an ALTER
// of a parent waits for the writes to its children).
Schema read_schema(MariadbConnection& source, const std::vector<std::string>& databases,
                   const std::vector<Table>& tables);
// Creates databases and tables on the target (dropping a table first when `replace`), each table
// without its deferred indexes.
void create_schema(MariadbConnection& target, const Schema& schema,
                   const std::map<std::string, std::string>& db_map, bool replace);
DeferredIndexes defer_indexes(const std::string& create_table);
// Adds the deferred indexes `target_table` lacks (none after a resumed run that added them), in one
// ALTER TABLE; returns how many.
int add_deferred_indexes(MariadbConnection& target, const TableName& target_table,
                         const DeferredIndexes& deferred);

// ---- objects.cpp: views, routines, triggers, events, accounts
struct ObjectDef {
  std::string kind;  // view, procedure, function, trigger, event, account
  std::string database;
  std::string name;
  std::vector<std::string> statements;  // run in order on the target, in `database` when set
  std::string sql_mode, time_zone, collation;
};
struct Objects {
  std::vector<ObjectDef> views, routines, triggers, events, accounts;
  std::vector<std::string> notes;
};
Objects read_objects(MariadbConnection& source, const std::vector<std::string>& databases,
                     const std::vector<Table>& tables, bool whole_databases, bool accounts);
// Creates them; views retry until their dependencies exist. `db_map` renames databases.
void create_objects(MariadbConnection& target, const std::vector<ObjectDef>& objects,
                    const std::map<std::string, std::string>& db_map, std::vector<std::string>& notes);
// Which of them exist on the target.
std::vector<MariadbObjectCheck> check_objects(MariadbConnection& target, const Objects& objects,
                                              const std::map<std::string, std::string>& db_map);

// ---- copy.cpp
struct CopyResult {
  int64_t rows = 0, bytes = 0;
  ChunkSum source_sum;  // the proof's source side, computed by rehome from the rows as they passed
                        // (rows only, no sum, when the copy was asked not to hash)
};
// Copies the chunk from `source` (in the snapshot) into `target_table` in one target transaction that
// first deletes the chunk's range (when `clear_first`: a resumed run) and ends by recording the chunk in the
// bookkeeping table. `load_data`: by LOAD DATA LOCAL INFILE where the table's columns allow it
// (loadable()), the target connection opened with local_infile; else multi-row INSERTs. `hash`: the
// rows are summed as they pass (the proof's source side); off with --verify none, which uses no sum.
CopyResult copy_chunk(MariadbConnection& source, MariadbConnection& target, const Table& table,
                      const Chunk& chunk, const TableName& target_table, const std::string& run_id,
                      size_t max_statement_bytes, bool clear_first, bool load_data, bool hash = true);
// Whether LOAD DATA carries every stored column's bytes (not BIT, not spatial).
bool loadable(const Table& table);

// ---- verify.cpp
// SELECT COUNT(*), SUM(first 64 bits of SHA2(CONCAT_WS(cols, null flags), 256)) over the chunk's rows.
std::string chunk_sum_sql(const Table& table, const TableName& where_table, const std::string& where);
ChunkSum chunk_sum(MariadbConnection& c, const Table& table, const TableName& at, const Chunk& chunk);
// An order-independent digest of a table's chunk sums (what the table line shows).
std::string table_digest(const std::vector<ChunkSum>& sums);
// The same sum computed by rehome from rows read with read_expr() in SET NAMES binary: the row's
// values joined by '#' (NULLs skipped, as CONCAT_WS does), then '#' and the null flags.
class RowSum {
 public:
  RowSum();
  ~RowSum();
  RowSum(const RowSum&) = delete;
  RowSum& operator=(const RowSum&) = delete;
  void add(const std::vector<const Column*>& columns, const engines::MariadbRowView& row);
  ChunkSum result() const;

 private:
  uint64_t high_ = 0, low_ = 0;  // 128-bit sum
  int64_t rows_ = 0;
  std::string buffer_, flags_;
  // SHA-256 fetched once and one context reused for every row: EVP_Digest's per-call context and
  // implicit fetch cost 0.5 us of CPU a row, the reused context 0.2 us.
  struct Digest;
  std::unique_ptr<Digest> digest_;
};
// FNV-1a 64 of `text` (digests and fingerprints, not security).
uint64_t fnv1a(std::string_view text);

// ---- state.cpp
enum class ChunkStatus { pending, done };
struct ChunkState {
  Chunk chunk;
  ChunkStatus status = ChunkStatus::pending;
  int64_t rows = 0;
  ChunkSum source, target;
  bool verified = false;
};
struct State {
  std::string fingerprint, run_id, source, target, selection;
  std::string source_identity, binlog_position;
  bool schema_done = false, copy_done = false, triggers_done = false, events_done = false, verified = false;
  std::vector<ChunkState> chunks;
  int runs = 0;
};
std::string state_to_json(const State& state);
State state_from_json(const std::string& text, const std::filesystem::path& path);
// The bookkeeping database on the target (_rehome): runs and committed chunks.
inline constexpr const char* bookkeeping_db = "_rehome";
void ensure_bookkeeping(MariadbConnection& target);
// The target's latest run of this migration (`fingerprint`): run_id empty when it has none; a state
// naming an older run is stale (the target was migrated again since). verified: when it ended verified
// (UTC), "" until then.
struct RunRow {
  std::string run_id, verified;
};
RunRow target_run(MariadbConnection& target, const std::string& fingerprint);
void record_run(MariadbConnection& target, const State& state);
void mark_run(MariadbConnection& target, const std::string& run_id, const std::string& what);
// The comment each statement a run writes the target with begins with ("/* rehome run R */ "): what
// a killed run left running on the target can then be found by its run.
std::string run_tag(const std::string& run_id);
// Ends (KILL) the target's statements a killed run of `run_id` left running and waits until they are
// gone (their transactions rolled back), up to `patience`; returns how many there were. A client killed
// mid LOAD DATA can leave its server thread holding the chunk's locks for good (the kill's FIN does not
// reach a connection whose receive window is full), and the resumed run's writes then wait on it.
int end_orphans(MariadbConnection& target, const std::string& run_id, std::chrono::seconds patience);
// chunk id -> rows, for the chunks committed on the target by `run_id`.
std::map<std::string, int64_t> committed_chunks(MariadbConnection& target, const std::string& run_id);

}  // namespace rehome::migrate::mariadb
