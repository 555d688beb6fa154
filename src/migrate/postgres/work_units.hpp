#pragma once
// Pure: cutting the copy into units of work. A big table is split into ranges of its heap blocks
// (ctid ranges, read by a TID range scan) so several workers copy it at once; this works for tables
// with or without a primary key and reads the source sequentially. Units run biggest first. Only a
// table too big for one worker's share is cut (whole tables copy with FREEZE).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "migrate/postgres/row_hash.hpp"
#include "migrate/selection.hpp"

namespace rehome::migrate {

struct TableInfo {
  TableName name;
  int64_t bytes = 0;             // heap size (pg_relation_size)
  int64_t blocks = 0;            // heap blocks at the time of the snapshot
  int64_t estimated_rows = 0;    // reltuples
  bool binary_copy_safe = true;  // only built-in types: binary COPY carries no OIDs the target lacks
  std::string columns;           // "\"a\",\"b\"": stored (not generated) columns, quoted
  // SQL expression hashing one row of the table (alias t) to a bigint, the same on both servers
  // (set_row_hashes); empty: the text-form hash of checksum_sql.
  std::string row_hash;
  // row_hash as rehome reproduces it from the binary COPY stream, when it can for every column (and
  // the collations and encodings allow): then --verify stream proves this table; else it is read back.
  std::optional<RowHasher> stream_hasher;
};

struct WorkUnit {
  std::string id;  // "public.big#2"; stable across runs
  TableName table;
  int64_t first_block = 0;  // inclusive
  int64_t end_block = -1;   // exclusive; -1: to the end of the table
  int64_t estimated_bytes = 0;
  bool whole_table() const { return first_block == 0 && end_block < 0; }
  // The WHERE clause selecting this unit's rows ("" for a whole table).
  std::string where_clause() const;
};

struct SplitPolicy {
  int jobs = 2;
  int64_t min_chunk_bytes = 16ll << 20;  // never cut smaller than this
  int64_t max_chunk_bytes = 1ll << 30;
  // Aim for this many chunks per worker overall. 1: only a table bigger than 1.5 x (total / jobs) is
  // cut. A whole table is TRUNCATE + COPY FREEZE (rows written frozen, pages all-visible), which its
  // readback, index builds and ANALYZE read much faster than the unfrozen rows of block ranges (1.1 GB
  // bench: 26.7 s with 1, 37.0 s with 4, the pipeline balancing the workers either way).
  int ranges_per_job = 1;
};

// The chunk size for a copy of `total_bytes` with `policy.jobs` workers.
int64_t chunk_bytes(int64_t total_bytes, const SplitPolicy& policy);

// Units for all tables, biggest first. A table more than 1.5 chunks long is cut into block ranges
// of about one chunk each; the last range is open-ended.
std::vector<WorkUnit> split_into_units(const std::vector<TableInfo>& tables, const SplitPolicy& policy);

}  // namespace rehome::migrate
