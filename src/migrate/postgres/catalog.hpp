#pragma once
// Reading what a database holds: tables (sizes, columns, whether binary COPY is safe), foreign keys,
// sequences, and whether it is empty.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engines/postgres.hpp"
#include "migrate/postgres/work_units.hpp"
#include "migrate/selection.hpp"

namespace rehome::migrate {

// The schema rehome keeps its own bookkeeping in on the target during a migration (dropped at the end).
inline constexpr const char* bookkeeping_schema = "_rehome_migrate";
// The schema of a --follow migration's marker table, on both servers while it follows (catch_up.hpp).
inline constexpr const char* follow_schema = "_rehome_follow";

// User tables (relkind r, partitions included, extension-owned excluded), by schema and name.
std::vector<TableInfo> read_tables(engines::PgConnection& db);
std::vector<ForeignKey> read_foreign_keys(engines::PgConnection& db);

// Fills each table's row_hash for the in-server proof: row_hash_sql (postgres/row_hash.hpp) over the row's
// copied (not generated) columns (each type's own extended hash function, the one hash partitioning
// relies on, stable across versions), a column whose type has none (json, xml, point ...) hashed in
// its text form. Left empty (text-form hash of the whole row) when a server is older than 14 (no
// hash_record_extended). Also whether rehome can compute the same hash from the binary COPY stream
// (stream_hasher: types it reproduces, deterministic collations, one encoding everywhere).
void set_row_hashes(engines::PgConnection& source, engines::PgConnection& target,
                    std::vector<TableInfo>& tables);

struct SequenceValue {
  TableName name;
  std::optional<int64_t> last_value;  // empty: never used (nextval not yet called)
  bool operator==(const SequenceValue&) const = default;
};
std::vector<SequenceValue> read_sequences(engines::PgConnection& db);

// Names of user objects (tables, views, sequences, types, functions) in the schemas the migration
// would create: a non-empty target is refused unless --truncate. Empty `schemas` means all.
std::vector<std::string> existing_user_objects(engines::PgConnection& db,
                                               const std::vector<std::string>& schemas);

}  // namespace rehome::migrate
