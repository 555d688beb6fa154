// Databases and tables, as the source's SHOW CREATE DATABASE / SHOW CREATE TABLE print them: character
// sets, collations, engines, generated columns, keys, foreign keys and AUTO_INCREMENT counters come
// with them. Created on the target before the copy (foreign key checks off, so their order does not
// matter). Read while the source's read lock holds.
#include <fmt/format.h>

#include "migrate/mariadb/steps.hpp"

namespace rehome::migrate::mariadb {
namespace {

std::string target_db(const std::map<std::string, std::string>& db_map, const std::string& db) {
  auto it = db_map.find(db);
  return it == db_map.end() ? db : it->second;
}

}  // namespace

Schema read_schema(MariadbConnection& source, const std::vector<std::string>& databases,
                   const std::vector<Table>& tables) {
  source.exec("SET SESSION sql_quote_show_create = 1");
  Schema schema;
  for (const auto& db : databases) {
    auto rows = source.query("SHOW CREATE DATABASE " + MariadbConnection::quote_name(db));
    schema.database_ddl[db] = rows.at(0).at(1).value_or("");
  }
  for (const auto& t : tables) {
    auto rows = source.query("SHOW CREATE TABLE " + qualified(t.name.schema, t.name.name));
    schema.table_ddl[t.name] = rows.at(0).at(1).value_or("");
  }
  return schema;
}

void create_schema(MariadbConnection& target, const Schema& schema,
                   const std::map<std::string, std::string>& db_map, bool replace) {
  target.exec(
      "SET SESSION foreign_key_checks = 0, sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'");
  for (const auto& [db, ddl] : schema.database_ddl) {
    std::string name = MariadbConnection::quote_name(target_db(db_map, db));
    // "CREATE DATABASE `src` /*!40100 DEFAULT CHARACTER SET ... */": keep the options, not the name.
    std::string options;
    if (auto p = ddl.find("/*"); p != std::string::npos) options = fmt::format(" {}", ddl.substr(p));
    target.exec(fmt::format("CREATE DATABASE IF NOT EXISTS {}{}", name, options));
  }
  for (const auto& [table, ddl] : schema.table_ddl) {
    target.exec("USE " + MariadbConnection::quote_name(target_db(db_map, table.schema)));
    if (replace) target.exec("DROP TABLE IF EXISTS " + MariadbConnection::quote_name(table.name));
    target.exec(ddl);
  }
}

}  // namespace rehome::migrate::mariadb
