#pragma once
// Pure: which tables go to the new database (--tables / --schema, seed 004's database-per-service
// split), and which foreign keys cross that cut.
#include <string>
#include <vector>

namespace rehome::migrate {

struct TableName {
  std::string schema;
  std::string name;
  std::string display() const { return schema + "." + name; }
  bool operator==(const TableName&) const = default;
  auto operator<=>(const TableName&) const = default;
};

struct Selection {
  std::vector<TableName> tables;     // --tables: exactly these
  std::vector<std::string> schemas;  // --schema: every table of these
  bool everything() const { return tables.empty() && schemas.empty(); }
  bool includes(const TableName& table) const;
  // The pg_dump options that dump the same objects.
  std::vector<std::string> pg_dump_args() const;
  // "all tables", "tables public.a, public.b", "schema billing"
  std::string describe() const;
};

// Parses "a,b,billing.c" (unqualified names are in `public`) and "s1,s2". Throws UserError for an
// empty name or for both lists given at once.
Selection parse_selection(const std::string& tables_csv, const std::string& schemas_csv);

struct ForeignKey {
  std::string name;
  TableName from;  // the referencing table
  TableName to;    // the referenced table
};

struct CrossingKey {
  ForeignKey key;
  // true: a migrated table refers to one left behind, so the key cannot exist in the new database;
  // false: a table left behind refers to a migrated one (the old side loses its guarantee).
  bool outgoing = false;
};

std::vector<CrossingKey> crossing_foreign_keys(const std::vector<ForeignKey>& keys,
                                               const Selection& selection);

}  // namespace rehome::migrate
