#include "migrate/postgres/catalog.hpp"

#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace rehome::migrate {
namespace {

std::string user_schemas_filter(const char* column) {
  return fmt::format(
      "{0} NOT IN ('pg_catalog', 'information_schema', '{1}', '{2}') AND {0} NOT LIKE 'pg\\_toast%' AND "
      "{0} NOT LIKE 'pg\\_temp%'",
      column, bookkeeping_schema, follow_schema);
}

std::string not_in_extension(const char* oid_column) {
  return fmt::format(
      "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = {} "
      "AND d.deptype = 'e')",
      oid_column);
}

int64_t to_int(const std::optional<std::string>& v) { return v ? std::stoll(*v) : 0; }

}  // namespace

std::vector<TableInfo> read_tables(engines::PgConnection& db) {
  // Binary COPY is safe when every column has a built-in type (OID below 16384): user types
  // (enums, composites, extension types) carry OIDs in arrays that differ on the target.
  std::string sql = fmt::format(R"(
    SELECT n.nspname, c.relname, pg_relation_size(c.oid),
           pg_relation_size(c.oid) / current_setting('block_size')::bigint,
           greatest(c.reltuples, 0)::bigint,
           NOT EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                       WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                         AND (t.oid >= 16384 OR t.typelem >= 16384)),
           coalesce((SELECT string_agg(quote_ident(a.attname), ',' ORDER BY a.attnum) FROM pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''), '')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND {} AND {}
    ORDER BY 1, 2)",
                                user_schemas_filter("n.nspname"), not_in_extension("c.oid"));
  std::vector<TableInfo> tables;
  for (const auto& row : db.query(sql)) {
    tables.push_back({.name = {*row[0], *row[1]},
                      .bytes = to_int(row[2]),
                      .blocks = to_int(row[3]),
                      .estimated_rows = to_int(row[4]),
                      .binary_copy_safe = row[5] == std::optional<std::string>("t"),
                      .columns = row[6].value_or("")});
  }
  return tables;
}

void set_row_hashes(engines::PgConnection& source, engines::PgConnection& target,
                    std::vector<TableInfo>& tables) {
  // `source` is inside a transaction (the probes below use a savepoint). The target gets the same
  // types from pg_dump, so only the source is probed.
  for (auto* db : {&source, &target}) {
    if (std::stoi(db->scalar("SELECT current_setting('server_version_num')")) < 140000) return;
  }
  // rehome hashes text as the bytes it receives, which are in the client encoding; the servers hash
  // theirs in the server encoding. Only when all of them agree can --verify stream compare the two.
  const std::string encodings =
      "SELECT current_setting('server_encoding'), current_setting('client_encoding')";
  const auto source_encodings = source.query(encodings).at(0),
             target_encodings = target.query(encodings).at(0);
  const bool same_encoding =
      source_encodings == target_encodings && source_encodings[0] == source_encodings[1];
  struct Column {
    std::string name, type;
    uint32_t oid = 0;
    bool deterministic = true;  // its collation compares (and hashes) strings as bytes
    // An enum (or an array of one): its hash is that of the value's OID, which differs between servers.
    bool enumerated = false;
  };
  // The copied columns (not generated ones: the target computes those itself), in COPY's order.
  std::map<TableName, std::vector<Column>> columns;
  for (const auto& row : source.query(fmt::format(R"(
      SELECT n.nspname, c.relname, quote_ident(a.attname), format_type(a.atttypid, NULL), a.atttypid,
             coalesce((SELECT co.collisdeterministic FROM pg_collation co WHERE co.oid = a.attcollation), true),
             EXISTS (SELECT 1 FROM pg_type ty JOIN pg_type e ON e.oid = CASE WHEN ty.typcategory = 'A' AND
                       ty.typelem <> 0 THEN ty.typelem ELSE ty.oid END WHERE ty.oid = a.atttypid AND e.typtype = 'e')
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      WHERE c.relkind = 'r' AND {} ORDER BY 1, 2, a.attnum)",
                                                  user_schemas_filter("n.nspname")))) {
    columns[{*row[0], *row[1]}].push_back({.name = *row[2],
                                           .type = *row[3],
                                           .oid = static_cast<uint32_t>(std::stoul(*row[4])),
                                           .deterministic = row[5] == std::optional<std::string>("t"),
                                           .enumerated = row[6] == std::optional<std::string>("t")});
  }
  // Whether a type has an extended hash function: the type cache refuses it (also for arrays,
  // records and ranges of unhashable elements) even for a NULL value.
  std::map<std::string, bool> hashable;
  for (auto& t : tables) {
    auto it = columns.find(t.name);
    if (it == columns.end() || it->second.empty()) continue;
    std::vector<HashedColumn> hashed;
    bool deterministic = true;
    for (const auto& column : it->second) {
      auto h = hashable.find(column.type);
      if (h == hashable.end()) {
        // In a savepoint: the source connection holds the migration's snapshot transaction.
        std::string sql = fmt::format("SELECT hash_record_extended(ROW(NULL::{}), 0)", column.type);
        source.exec("SAVEPOINT rehome_probe");
        bool ok = source.try_exec(sql).empty();
        source.exec(ok ? "RELEASE SAVEPOINT rehome_probe" : "ROLLBACK TO SAVEPOINT rehome_probe");
        h = hashable.emplace(column.type, ok).first;
      }
      hashed.push_back({.oid = column.oid, .as_text = !h->second || column.enumerated, .name = column.name});
      deterministic = deterministic && column.deterministic;
    }
    t.row_hash = row_hash_sql(hashed);
    if (t.binary_copy_safe && same_encoding && deterministic) t.stream_hasher = RowHasher::make(hashed);
  }
}

std::vector<ForeignKey> read_foreign_keys(engines::PgConnection& db) {
  std::vector<ForeignKey> keys;
  for (const auto& row : db.query(R"(
      SELECT con.conname, fn.nspname, fc.relname, tn.nspname, tc.relname
      FROM pg_constraint con
      JOIN pg_class fc ON fc.oid = con.conrelid JOIN pg_namespace fn ON fn.oid = fc.relnamespace
      JOIN pg_class tc ON tc.oid = con.confrelid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
      WHERE con.contype = 'f' AND con.conparentid = 0
      ORDER BY 2, 3, 1)")) {
    keys.push_back({.name = *row[0], .from = {*row[1], *row[2]}, .to = {*row[3], *row[4]}});
  }
  return keys;
}

std::vector<SequenceValue> read_sequences(engines::PgConnection& db) {
  std::vector<SequenceValue> sequences;
  std::string sql = fmt::format(R"(
      SELECT n.nspname, c.relname, pg_sequence_last_value(c.oid)
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'S' AND {} AND {}
      ORDER BY 1, 2)",
                                user_schemas_filter("n.nspname"), not_in_extension("c.oid"));
  for (const auto& row : db.query(sql)) {
    SequenceValue s{.name = {*row[0], *row[1]}};
    if (row[2]) s.last_value = std::stoll(*row[2]);
    sequences.push_back(std::move(s));
  }
  return sequences;
}

std::vector<std::string> existing_user_objects(engines::PgConnection& db,
                                               const std::vector<std::string>& schemas) {
  std::string in_schemas;
  if (!schemas.empty()) {
    std::vector<std::string> quoted;
    for (const auto& s : schemas) quoted.push_back(engines::quote_literal(s));
    in_schemas = fmt::format(" AND n.nspname IN ({})", fmt::join(quoted, ", "));
  }
  std::string sql = fmt::format(R"(
      SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND {0}{1} AND {2}
      UNION ALL
      SELECT n.nspname || '.' || p.proname || '()' FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE {0}{1} AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                                   AND d.objid = p.oid AND d.deptype = 'e')
      ORDER BY 1 LIMIT 20)",
                                user_schemas_filter("n.nspname"), in_schemas, not_in_extension("c.oid"));
  std::vector<std::string> names;
  for (const auto& row : db.query(sql)) names.push_back(*row[0]);
  return names;
}

}  // namespace rehome::migrate
