#include "migrate/checksum.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace rehome::migrate {

std::string checksum_sql(const std::string& qualified_table, const std::string& where_clause) {
  // hashtextextended: a fast built-in 64-bit hash; t::text: the whole row in its text form.
  return fmt::format("SELECT count(*), coalesce(sum(hashtextextended(t::text, 0)), 0) FROM {} t{}",
                     qualified_table, where_clause);
}

void Checksum::add(int64_t part_rows, const std::string& part_sum) {
  rows += part_rows;
  Int128 value = 0;
  bool negative = false;
  for (char c : part_sum) {
    if (c == '-')
      negative = true;
    else if (c >= '0' && c <= '9')
      value = value * 10 + (c - '0');
    else
      throw std::runtime_error("not an integer checksum: " + part_sum);
  }
  sum += negative ? -value : value;
}

std::string Checksum::hex() const {
  auto u = static_cast<UInt128>(sum);
  return fmt::format("{:016x}{:016x}", static_cast<uint64_t>(u >> 64), static_cast<uint64_t>(u));
}

}  // namespace rehome::migrate
