// Cutting a table into key ranges, as the copy and the proof both use them. An integer key is cut
// by value between its MIN and MAX (one query); any other key (strings, composite) by keyset: the
// key found every `chunk_rows` rows in key order starts the next range. The first range has no
// lower bound and the last none above, so the ranges cover every key a later snapshot may hold
// (a resumed run reads a new snapshot). A table without a usable key is one unit.
#include <cmath>

#include <fmt/format.h>

#include "migrate/mariadb/steps.hpp"

namespace rehome::migrate::mariadb {
namespace {

std::string hex(const std::string& bytes) {
  std::string out;
  for (unsigned char ch : bytes) out += fmt::format("{:02X}", ch);
  return out;
}

bool printable(const std::string& text) {
  for (unsigned char ch : text)
    if (ch < 0x20 || ch == 0x7f) return false;
  return true;
}

// (k1, k2, ...) OP (v1, v2, ...) for OP ">=" or "<", spelled out so every server plans it as a range
// of the key's index: k1 > v1 OR (k1 = v1 AND k2 > v2) OR ... with the last column inclusive for >=.
std::string tuple_compare(const Table& table, const Key& values, bool lower, const Quote& quote) {
  const size_t n = table.key.size();
  auto name = [&](size_t i) { return MariadbConnection::quote_name(table.columns[table.key[i]].name); };
  auto value = [&](size_t i) { return quote(table.columns[table.key[i]], values.at(i)); };
  if (n == 1) return fmt::format("{} {} {}", name(0), lower ? ">=" : "<", value(0));
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    std::string term;
    for (size_t j = 0; j < i; ++j) term += fmt::format("{} = {} AND ", name(j), value(j));
    const char* op = lower ? (i + 1 == n ? ">=" : ">") : "<";
    term += fmt::format("{} {} {}", name(i), op, value(i));
    out += (out.empty() ? "(" : " OR (") + term + ")";
  }
  // The leading column's bound alone lets the optimizer read just that part of the index.
  return fmt::format("{} {} {} AND ({})", name(0), lower ? ">=" : "<=", value(0), out);
}

}  // namespace

std::string qualified(const std::string& db, const std::string& table) {
  return MariadbConnection::quote_name(db) + "." + MariadbConnection::quote_name(table);
}

std::string key_literal(MariadbConnection& c, const Column& column, const std::string& value) {
  if (column.bit()) return "X'" + hex(value) + "'";
  if (column.numeric() && !value.empty() && value.find_first_not_of("0123456789-+.eE") == std::string::npos)
    return value;
  if (!column.charset.empty()) return "_" + column.charset + c.quote(value);
  return c.quote(value);
}

std::string chunk_where(const Table& table, const Chunk& chunk, const Quote& quote) {
  if (chunk.whole_table()) return "";
  std::string where;
  if (chunk.lower) where = tuple_compare(table, *chunk.lower, true, quote);
  if (chunk.upper) {
    std::string upper = tuple_compare(table, *chunk.upper, false, quote);
    where = where.empty() ? upper : "(" + where + ") AND (" + upper + ")";
  }
  return " WHERE " + where;
}

std::string chunk_range_text(const Table& table, const Chunk& chunk) {
  if (chunk.whole_table()) return table.key.empty() ? "whole table (no key)" : "whole table";
  auto show = [&](const Column& c, const std::string& v) {
    std::string text = printable(v) ? (c.numeric() ? v : "'" + v + "'") : "0x" + hex(v);
    return text.size() > 60 ? text.substr(0, 57) + "..." : text;
  };
  std::string names;
  for (size_t i = 0; i < table.key.size(); ++i) names += (i ? ", " : "") + table.columns[table.key[i]].name;
  if (table.key.size() > 1) names = "(" + names + ")";
  auto tuple = [&](const Key& k) {
    std::string out;
    for (size_t i = 0; i < k.size(); ++i) out += (i ? ", " : "") + show(table.columns[table.key[i]], k[i]);
    return k.size() > 1 ? "(" + out + ")" : out;
  };
  std::string text;
  if (chunk.lower) text = names + " >= " + tuple(*chunk.lower);
  if (chunk.upper) {
    if (!text.empty()) text += " AND ";
    text += names + " < " + tuple(*chunk.upper);
  }
  return text;
}

std::vector<Chunk> split_table(MariadbConnection& c, const Table& table, int64_t chunk_rows) {
  auto make = [&](int index, std::optional<Key> lower, std::optional<Key> upper, int64_t rows) {
    return Chunk{.id = fmt::format("{}#{}", table.name.display(), index),
                 .table = table.name,
                 .index = index,
                 .lower = std::move(lower),
                 .upper = std::move(upper),
                 .estimated_rows = rows};
  };
  chunk_rows = std::max<int64_t>(chunk_rows, 1);
  if (table.key.empty() || table.estimated_rows <= chunk_rows * 3 / 2) {
    return {make(0, std::nullopt, std::nullopt, table.estimated_rows)};
  }
  std::string from = qualified(table.name.schema, table.name.name);
  std::string key_list;
  for (size_t i = 0; i < table.key.size(); ++i)
    key_list += (i ? ", " : "") + MariadbConnection::quote_name(table.columns[table.key[i]].name);
  std::vector<Key> bounds;
  if (table.integer_key) {
    auto row = c.query(fmt::format("SELECT MIN({0}), MAX({0}) FROM {1}", key_list, from)).at(0);
    if (!row[0] || !row[1]) return {make(0, std::nullopt, std::nullopt, table.estimated_rows)};
    long double low = std::strtold(row[0]->c_str(), nullptr), high = std::strtold(row[1]->c_str(), nullptr);
    int64_t n = (table.estimated_rows + chunk_rows - 1) / chunk_rows;
    long double step = (high - low + 1) / static_cast<long double>(n);
    for (int64_t i = 1; i < n; ++i) {
      std::string b = fmt::format("{:.0f}", std::floor(low + step * static_cast<long double>(i)));
      if (bounds.empty() || bounds.back()[0] != b) bounds.push_back({b});
    }
  } else {
    Quote quote = [&](const Column& col, const std::string& v) { return key_literal(c, col, v); };
    std::optional<Key> lower;
    for (;;) {
      std::string where;
      if (lower) where = " WHERE " + tuple_compare(table, *lower, true, quote);
      auto rows = c.query(fmt::format("SELECT {0} FROM {1}{2} ORDER BY {0} LIMIT 1 OFFSET {3}", key_list,
                                      from, where, chunk_rows));
      if (rows.empty()) break;
      Key k;
      for (auto& v : rows[0]) k.push_back(v.value_or(""));
      bounds.push_back(k);
      lower = k;
    }
  }
  std::vector<Chunk> chunks;
  int64_t per_chunk = table.estimated_rows / static_cast<int64_t>(bounds.size() + 1);
  for (size_t i = 0; i <= bounds.size(); ++i) {
    std::optional<Key> lower = i == 0 ? std::nullopt : std::optional<Key>(bounds[i - 1]);
    std::optional<Key> upper = i == bounds.size() ? std::nullopt : std::optional<Key>(bounds[i]);
    chunks.push_back(make(static_cast<int>(i), lower, upper, per_chunk));
  }
  return chunks;
}

}  // namespace rehome::migrate::mariadb
