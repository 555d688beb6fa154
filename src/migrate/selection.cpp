#include "migrate/selection.hpp"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "common/error.hpp"
#include "engines/postgres.hpp"

namespace rehome::migrate {
namespace {

std::vector<std::string> split_csv(const std::string& csv, const std::string& flag) {
  std::vector<std::string> out;
  if (csv.empty()) return out;
  std::stringstream in(csv);
  for (std::string item; std::getline(in, item, ',');) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item.empty()) {
      throw UserError(fmt::format("{} '{}': empty name in the list", flag, csv),
                      "separate names by single commas");
    }
    out.push_back(item);
  }
  return out;
}

}  // namespace

bool Selection::includes(const TableName& table) const {
  if (everything()) return true;
  if (std::find(schemas.begin(), schemas.end(), table.schema) != schemas.end()) return true;
  return std::find(tables.begin(), tables.end(), table) != tables.end();
}

std::vector<std::string> Selection::pg_dump_args() const {
  std::vector<std::string> args;
  // Quoted patterns match exactly (no wildcards, case kept).
  for (const auto& t : tables) args.push_back("--table=" + engines::qualified_name(t.schema, t.name));
  for (const auto& s : schemas) args.push_back("--schema=" + engines::quote_ident(s));
  return args;
}

std::string Selection::describe() const {
  if (everything()) return "all tables";
  std::vector<std::string> names;
  for (const auto& t : tables) names.push_back(t.display());
  if (!tables.empty()) return fmt::format("tables {}", fmt::join(names, ", "));
  return fmt::format("schema {}", fmt::join(schemas, ", "));
}

Selection parse_selection(const std::string& tables_csv, const std::string& schemas_csv) {
  if (!tables_csv.empty() && !schemas_csv.empty()) {
    throw UserError("--tables and --schema cannot be combined", "choose the tables, or whole schemas");
  }
  Selection selection;
  for (const auto& item : split_csv(tables_csv, "--tables")) {
    size_t dot = item.find('.');
    if (dot == std::string::npos)
      selection.tables.push_back({"public", item});
    else if (dot == 0 || dot + 1 == item.size() || item.find('.', dot + 1) != std::string::npos) {
      throw UserError(fmt::format("--tables: '{}' is not a table name", item), "write table or schema.table");
    } else
      selection.tables.push_back({item.substr(0, dot), item.substr(dot + 1)});
  }
  selection.schemas = split_csv(schemas_csv, "--schema");
  return selection;
}

std::vector<CrossingKey> crossing_foreign_keys(const std::vector<ForeignKey>& keys,
                                               const Selection& selection) {
  std::vector<CrossingKey> crossing;
  for (const auto& key : keys) {
    bool from = selection.includes(key.from), to = selection.includes(key.to);
    if (from != to) crossing.push_back({key, from});
  }
  return crossing;
}

}  // namespace rehome::migrate
