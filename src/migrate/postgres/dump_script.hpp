#pragma once
// Pure: splits the plain-text output of `pg_dump --schema-only --section=...` into its entries, so
// pre-data can be applied as one transaction and post-data (indexes, constraints, triggers) can be
// run statement by statement across several connections, in dependency waves, and resumed.
#include <string>
#include <vector>

namespace rehome::migrate {

// One TOC entry of the dump: the "-- Name: t t_pkey; Type: CONSTRAINT; Schema: public" header and
// the SQL that follows it.
struct DumpEntry {
  std::string name;    // "t t_pkey" (table and constraint), "t_x_idx", "s2"
  std::string type;    // "CONSTRAINT", "FK CONSTRAINT", "INDEX", "TRIGGER", "SCHEMA", ...
  std::string schema;  // "public"; "-" for schemas themselves
  std::string sql;     // the statements, psql meta-commands (\restrict ...) removed
  std::string id() const { return type + " " + schema + " " + name; }
};

struct DumpScript {
  std::string preamble;  // SET ... lines every session that runs entries needs first
  std::vector<DumpEntry> entries;
};

DumpScript parse_dump_script(const std::string& text);

// Post-data waves: everything in a wave may run in parallel; a wave starts when the one before ended.
// 0: indexes and table constraints (PK, UNIQUE, CHECK, EXCLUDE) — the expensive part;
// 1: what needs those indexes: foreign keys, index attachments, clustering;
// 2: the rest (triggers, rules, policies, comments, grants).
int post_data_wave(const DumpEntry& entry);
inline constexpr int post_data_waves = 3;

// For an entry on a table ("t t_pkey", "t trg"), the table name; else empty.
std::string entry_table(const DumpEntry& entry);
// For an entry on a table, the object name after the table ("t_pkey"); else the whole name.
std::string entry_object(const DumpEntry& entry);

}  // namespace rehome::migrate
