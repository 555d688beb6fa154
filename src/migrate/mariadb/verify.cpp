// The proof of a chunk, computed by each server over its own rows with the same SQL (pt-table-checksum's
// approach): COUNT(*) and the sum of the first 64 bits of MD5 over each row's columns joined by '#',
// followed by one ISNULL flag per nullable column (so NULL and '' differ). The sum (exact, DECIMAL) does
// not depend on row order, and unlike XOR two equal rows do not cancel out. Generated columns are
// included: the target computed them itself, so they prove its expressions too. The source side runs
// in the worker's snapshot; a difference is located to the chunk's key range.
#include <fmt/format.h>

#include "migrate/mariadb/steps.hpp"

namespace rehome::migrate::mariadb {

std::string chunk_sum_sql(const Table& table, const TableName& at, const std::string& where) {
  std::string values, nulls;
  for (const auto& c : table.columns) {
    std::string name = MariadbConnection::quote_name(c.name);
    values += ",";
    values += c.read_expr();
    if (c.nullable) {
      if (!nulls.empty()) nulls += ",";
      nulls += fmt::format("ISNULL({})", name);
    }
  }
  if (!nulls.empty()) values += ",CONCAT(" + nulls + ")";
  return fmt::format(
      "SELECT COUNT(*), COALESCE(SUM(CAST(CONV(LEFT(MD5(CONCAT_WS(_binary'#'{})), 16), 16, 10) AS "
      "UNSIGNED)), 0) "
      "FROM {}{}",
      values, qualified(at.schema, at.name), where);
}

ChunkSum chunk_sum(MariadbConnection& c, const Table& table, const TableName& at, const Chunk& chunk) {
  Quote quote = [&](const Column& col, const std::string& v) { return key_literal(c, col, v); };
  auto row = c.query(chunk_sum_sql(table, at, chunk_where(table, chunk, quote))).at(0);
  return {std::stoll(row.at(0).value_or("0")), row.at(1).value_or("0")};
}

uint64_t fnv1a(std::string_view text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : text) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return h;
}

std::string table_digest(const std::vector<ChunkSum>& sums) {
  // Over "rows:sum;" of each chunk in key order: equal chunk sums give equal digests.
  std::string text;
  for (const auto& s : sums) text += fmt::format("{}:{};", s.rows, s.sum);
  return fmt::format("{:016x}", fnv1a(text));
}

}  // namespace rehome::migrate::mariadb
