// What the source holds: user databases, base tables with their columns, engines and keys, read
// from information_schema while the read lock holds (no DDL can change it meanwhile).
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "common/error.hpp"
#include "migrate/mariadb/steps.hpp"

namespace rehome::migrate::mariadb {
namespace {

const std::set<std::string> system_databases = {"mysql", "information_schema", "performance_schema", "sys",
                                                bookkeeping_db};

int64_t to_int(const std::optional<std::string>& v) { return v ? std::stoll(*v) : 0; }

}  // namespace

std::string in_list(MariadbConnection& c, const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ",";
    out += c.quote(n);
  }
  return out.empty() ? "''" : out;
}

bool Column::numeric() const {
  static const std::set<std::string> types = {"tinyint", "smallint", "mediumint", "int",
                                              "integer", "bigint",   "decimal",   "numeric",
                                              "float",   "double",   "real",      "year"};
  return types.count(data_type) > 0;
}

bool Column::spatial() const {
  static const std::set<std::string> types = {
      "geometry",   "point",           "linestring",   "polygon",
      "multipoint", "multilinestring", "multipolygon", "geometrycollection"};
  return types.count(data_type) > 0;
}

std::string Column::read_expr() const {
  std::string quoted = MariadbConnection::quote_name(name);
  return data_type == "float" ? fmt::format("CAST({} AS DOUBLE)", quoted) : quoted;
}

std::vector<std::string> user_databases(MariadbConnection& c) {
  std::vector<std::string> out;
  for (const auto& row :
       c.query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME")) {
    if (row[0] && !system_databases.count(*row[0])) out.push_back(*row[0]);
  }
  return out;
}

std::vector<Table> read_tables(MariadbConnection& c, const std::vector<std::string>& databases,
                               const std::vector<TableName>& only) {
  std::set<std::string> transactional;
  for (const auto& row : c.query("SELECT ENGINE, TRANSACTIONS FROM information_schema.ENGINES")) {
    if (row[0] && row[1] && *row[1] == "YES") transactional.insert(*row[0]);
  }
  std::string dbs = in_list(c, databases);
  std::vector<Table> tables;
  std::map<TableName, size_t> index;
  for (const auto& row : c.query(fmt::format(
           "SELECT TABLE_SCHEMA, TABLE_NAME, ENGINE, TABLE_ROWS, DATA_LENGTH + INDEX_LENGTH, AVG_ROW_LENGTH "
           "FROM information_schema.TABLES WHERE TABLE_SCHEMA IN ({}) AND TABLE_TYPE = 'BASE TABLE' "
           "ORDER BY TABLE_SCHEMA, TABLE_NAME",
           dbs))) {
    TableName name{*row[0], *row[1]};
    if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
    Table t{.name = name, .engine = row[2].value_or("")};
    t.transactional = transactional.count(t.engine) > 0;
    t.estimated_rows = to_int(row[3]);
    t.bytes = to_int(row[4]);
    t.avg_row_bytes = to_int(row[5]);
    index[name] = tables.size();
    tables.push_back(std::move(t));
  }
  for (const auto& want : only) {
    if (!index.count(want)) {
      throw UserError(fmt::format("--tables: {} is not a base table of the source", want.display()),
                      "name tables as database.table; list them with SHOW FULL TABLES");
    }
  }
  for (const auto& row : c.query(fmt::format(
           "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE, IFNULL(CHARACTER_SET_NAME, ''), "
           "IS_NULLABLE, EXTRA FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN ({}) "
           "ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION",
           dbs))) {
    auto it = index.find({*row[0], *row[1]});
    if (it == index.end()) continue;
    std::string extra = row[6].value_or("");
    std::string type = row[3].value_or("");
    std::transform(type.begin(), type.end(), type.begin(), ::tolower);
    tables[it->second].columns.push_back(
        {.name = *row[2],
         .data_type = type,
         .charset = row[4].value_or(""),
         .nullable = row[5] == "YES",
         .generated = extra.find("VIRTUAL GENERATED") != std::string::npos ||
                      extra.find("STORED GENERATED") != std::string::npos ||
                      extra.find("PERSISTENT GENERATED") != std::string::npos});
  }
  // Keys: the primary key, else the first unique index whose columns are all NOT NULL and whole
  // (no prefix); the ranges of the copy and the proof follow it.
  std::map<std::pair<TableName, std::string>, std::vector<std::pair<std::string, bool>>> uniques;
  std::vector<std::pair<TableName, std::string>> order;
  for (const auto& row : c.query(fmt::format(
           "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, COLUMN_NAME, SUB_PART IS NULL "
           "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA IN ({}) AND NON_UNIQUE = 0 "
           "ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX",
           dbs))) {
    std::pair key{TableName{*row[0], *row[1]}, *row[2]};
    if (!uniques.count(key)) order.push_back(key);
    uniques[key].push_back({row[3].value_or(""), row[4] == "1"});
  }
  for (const auto& key : order) {
    auto it = index.find(key.first);
    if (it == index.end()) continue;
    Table& t = tables[it->second];
    if (!t.key.empty()) continue;
    std::vector<size_t> columns;
    for (const auto& [name, whole] : uniques[key]) {
      auto col =
          std::find_if(t.columns.begin(), t.columns.end(), [&](const Column& c2) { return c2.name == name; });
      if (!whole || col == t.columns.end() || col->nullable) {
        columns.clear();
        break;
      }
      columns.push_back(static_cast<size_t>(col - t.columns.begin()));
    }
    t.key = columns;
  }
  static const std::set<std::string> integer_types = {"tinyint", "smallint", "mediumint", "int", "bigint"};
  for (auto& t : tables) {
    t.integer_key = t.key.size() == 1 && integer_types.count(t.columns[t.key[0]].data_type) > 0;
  }
  return tables;
}

}  // namespace rehome::migrate::mariadb
