#pragma once
// Pure: the content checksum of a table is the sum of a 64-bit hash of each row's text form, so it
// does not depend on row order and the sums of disjoint parts (block ranges, computed in parallel)
// add up to the whole table's. Computed inside each server by checksum_sql().
#include <cstdint>
#include <string>

namespace rehome::migrate {

// SELECT count(*), sum(hash) of the rows of `qualified_table` matching `where_clause` (" WHERE ..." or "").
std::string checksum_sql(const std::string& qualified_table, const std::string& where_clause);

// Session settings that make a row's text form the same on both servers whatever their defaults.
inline constexpr const char* checksum_session_settings =
    "SET datestyle = 'ISO, YMD'; SET timezone = 'UTC'; SET intervalstyle = 'postgres'; "
    "SET extra_float_digits = 3; SET bytea_output = 'hex'; SET lc_monetary = 'C'";

__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

// A running total of partial sums (each up to ~2^63 * rows, so 128 bits).
struct Checksum {
  int64_t rows = 0;
  Int128 sum = 0;
  void add(int64_t part_rows,
           const std::string& part_sum);  // part_sum: the decimal numeric PostgreSQL returns
  std::string hex() const;                // 32 hex digits, for people and JSON
};

}  // namespace rehome::migrate
