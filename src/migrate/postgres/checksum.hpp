#pragma once
// Pure: the content checksum of a table is the sum of a 64-bit hash of each row's text form, so it
// does not depend on row order and the sums of disjoint parts (block ranges, computed in parallel)
// add up to the whole table's. Computed inside each server by checksum_sql().
#include <cstdint>
#include <string>

#include "migrate/postgres/row_hash.hpp"

namespace rehome::migrate {

// SELECT count(*), sum(hash) of the rows of `qualified_table` matching `where_clause` (" WHERE ..." or "").
std::string checksum_sql(const std::string& qualified_table, const std::string& where_clause);
// The same with `row_hash` (an expression over the row, alias t, see set_row_hashes) as the per-row
// hash; an empty `row_hash` is the text-form hash above.
std::string checksum_sql(const std::string& qualified_table, const std::string& where_clause,
                         const std::string& row_hash);

// Session settings that make a row's text form the same on both servers whatever their defaults.
// No parallel query either: the proof already runs on `jobs` connections next to the copy's, and
// a proof query's parallel workers (a Parallel Seq Scan of any table over 8 MB) cost 10 to 20 % more
// CPU than the same scan in one process (24 tables of the bench, 2026-12-03).
inline constexpr const char* checksum_session_settings =
    "SET datestyle = 'ISO, YMD'; SET timezone = 'UTC'; SET intervalstyle = 'postgres'; "
    "SET extra_float_digits = 3; SET bytea_output = 'hex'; SET lc_monetary = 'C'; "
    "SET max_parallel_workers_per_gather = 0";

__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

// A running total of partial sums (each up to ~2^63 * rows, so 128 bits).
struct Checksum {
  int64_t rows = 0;
  Int128 sum = 0;
  void add(int64_t part_rows,
           const std::string& part_sum);  // part_sum: the decimal numeric PostgreSQL returns
  void add(const Checksum& other) {
    rows += other.rows;
    sum += other.sum;
  }
  std::string hex() const;      // 32 hex digits, for people and JSON
  std::string decimal() const;  // what add(rows, text) reads back
};

// A fast 64-bit hash of bytes (libxxhash's XXH64, seed 0): the same on every machine and build.
uint64_t hash_bytes(const char* data, size_t size);

// The "readback" checksum: the rows of a COPY stream as the server sent them, each row hashed and the
// hashes summed (order-independent). The source's is taken from the copy stream itself, the target's
// by reading the committed table back with the same COPY format, so equal sums prove the target holds
// exactly the rows the source sent. Binary streams carry a header (merged into the first row's
// message) and a trailer message; both are left out.
//
// With a RowHasher (binary streams only), each row is hashed as the server computes row_hash_sql
// instead (--verify stream): the sum then equals the target's in-server sum.
class StreamChecksum {
 public:
  explicit StreamChecksum(bool binary, const RowHasher* row_hasher = nullptr)
      : binary_(binary), row_hasher_(row_hasher) {}
  void add_message(const char* data, size_t size);
  const Checksum& total() const { return total_; }

 private:
  bool binary_;
  const RowHasher* row_hasher_;
  bool first_ = true;
  Checksum total_;
};

}  // namespace rehome::migrate
