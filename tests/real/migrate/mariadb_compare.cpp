#include "real/migrate/mariadb_compare.hpp"

#include <sstream>

namespace rehome::test {

std::vector<std::string> mariadb_base_tables(const MariadbServer& server, const std::string& db) {
  std::vector<std::string> out;
  std::stringstream in(server.sql("SHOW FULL TABLES WHERE Table_type = 'BASE TABLE'", db));
  for (std::string line; std::getline(in, line);) out.push_back(line.substr(0, line.find('\t')));
  return out;
}

std::string mariadb_difference(const MariadbServer& source, const MariadbServer& target,
                               const std::string& db) {
  std::string out;
  const std::string indexes =
      "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, INDEX_TYPE FROM "
      "information_schema.STATISTICS WHERE TABLE_SCHEMA = '" +
      db + "' ORDER BY 1, 2, 4";
  if (source.sql(indexes) != target.sql(indexes)) out += "indexes differ\n";
  for (const auto& table : mariadb_base_tables(source, db)) {
    const std::string sql = "CHECKSUM TABLE `" + table + "` EXTENDED";
    try {
      if (source.sql(sql, db) != target.sql(sql, db)) out += table + ": CHECKSUM TABLE differs\n";
      if (source.dump_table(db, table) != target.dump_table(db, table)) out += table + ": dump differs\n";
    } catch (const std::exception& e) {  // e.g. the table is missing on the target
      out += table + ": " + e.what() + "\n";
    }
  }
  return out;
}

}  // namespace rehome::test
