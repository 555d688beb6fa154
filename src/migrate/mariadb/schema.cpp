// Databases and tables, as the source's SHOW CREATE DATABASE / SHOW CREATE TABLE print them: character
// sets, collations, engines, generated columns, keys, foreign keys and AUTO_INCREMENT counters come
// with them. Created on the target before the copy (foreign key checks off, so their order does not
// matter). Read while the source's read lock holds. Secondary indexes of InnoDB tables wait until
// their table's rows are in (defer_indexes).
#include <set>

#include <fmt/format.h>

#include "migrate/mariadb/steps.hpp"

namespace rehome::migrate::mariadb {
namespace {

std::string target_db(const std::map<std::string, std::string>& db_map, const std::string& db) {
  auto it = db_map.find(db);
  return it == db_map.end() ? db : it->second;
}

}  // namespace

DeferredIndexes defer_indexes(const std::string& create_table) {
  DeferredIndexes out{.create = create_table};
  // SHOW CREATE TABLE prints one column or key per line, two spaces in, a comma after all but the
  // last, then ") ENGINE=...".
  size_t open = create_table.find("(\n");
  size_t close = create_table.rfind("\n)");
  if (open == std::string::npos || close == std::string::npos || close < open) return out;
  if (create_table.find("ENGINE=InnoDB", close) == std::string::npos) return out;
  std::vector<std::string> lines, kept;
  size_t start = open + 2;
  while (start <= close) {
    size_t end = create_table.find('\n', start);
    std::string line = create_table.substr(start, end - start);
    if (!line.empty() && line.back() == ',') line.pop_back();
    lines.push_back(line);
    if (end == close) break;
    start = end + 1;
  }
  bool primary = false;
  for (const auto& l : lines) {
    if (l.starts_with("  PRIMARY KEY ")) primary = true;
    if (l.find("FOREIGN KEY") != std::string::npos && l.starts_with("  CONSTRAINT ")) return out;
  }
  if (!primary) return out;
  for (const auto& l : lines) {
    bool secondary = l.starts_with("  KEY `") || l.starts_with("  UNIQUE KEY `");
    if (!secondary) {
      kept.push_back(l);
      continue;
    }
    size_t q = l.find('`');
    std::string name;
    for (size_t i = q + 1; i < l.size(); ++i) {
      if (l[i] == '`' && i + 1 < l.size() && l[i + 1] == '`') {
        name += '`';
        ++i;
      } else if (l[i] == '`') {
        break;
      } else {
        name += l[i];
      }
    }
    out.names.push_back(name);
    out.clauses.push_back("ADD " + l.substr(2));
  }
  if (out.clauses.empty()) return out;
  std::string body;
  for (size_t i = 0; i < kept.size(); ++i) body += kept[i] + (i + 1 < kept.size() ? ",\n" : "");
  out.create = create_table.substr(0, open + 2) + body + create_table.substr(close);
  return out;
}

int add_deferred_indexes(MariadbConnection& target, const TableName& target_table,
                         const DeferredIndexes& deferred) {
  if (deferred.names.empty()) return 0;
  std::set<std::string> present;
  for (const auto& row : target.query(fmt::format(
           "SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = {} "
           "AND TABLE_NAME = {}",
           target.quote(target_table.schema), target.quote(target_table.name))))
    present.insert(row.at(0).value_or(""));
  std::string clauses;
  int added = 0;
  for (size_t i = 0; i < deferred.names.size(); ++i) {
    if (present.count(deferred.names[i])) continue;
    clauses += (clauses.empty() ? "" : ", ") + deferred.clauses[i];
    ++added;
  }
  if (added == 0) return 0;
  const std::string sql =
      fmt::format("ALTER TABLE {} {}", qualified(target_table.schema, target_table.name), clauses);
  for (int attempt = 1;; ++attempt) {
    try {
      target.exec(sql);
      return added;
    } catch (const engines::MariadbError& e) {
      // A deadlock or lock wait against another worker's chunk: the ALTER changed nothing; again.
      if ((e.code() != 1213 && e.code() != 1205) || attempt == 3) throw;
    }
  }
}

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
    schema.deferred[t.name] = defer_indexes(schema.table_ddl[t.name]);
  }
  for (const auto& row :
       source.query(fmt::format("SELECT DISTINCT REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME FROM "
                                "information_schema.KEY_COLUMN_USAGE "
                                "WHERE REFERENCED_TABLE_NAME IS NOT NULL AND TABLE_SCHEMA IN ({})",
                                in_list(source, databases)))) {
    auto it = schema.deferred.find(TableName{row.at(0).value_or(""), row.at(1).value_or("")});
    if (it != schema.deferred.end()) it->second = {.create = schema.table_ddl.at(it->first)};
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
  for (const auto& [table, deferred] : schema.deferred) {
    target.exec("USE " + MariadbConnection::quote_name(target_db(db_map, table.schema)));
    if (replace) target.exec("DROP TABLE IF EXISTS " + MariadbConnection::quote_name(table.name));
    target.exec(deferred.create);
  }
}

}  // namespace rehome::migrate::mariadb
