#include "migrate/postgres/checksum.hpp"

#include <cstring>
#include <stdexcept>

#include <fmt/format.h>
#include <xxhash.h>

namespace rehome::migrate {

std::string checksum_sql(const std::string& qualified_table, const std::string& where_clause) {
  // hashtextextended: a fast built-in 64-bit hash; t::text: the whole row in its text form.
  return checksum_sql(qualified_table, where_clause, "hashtextextended(t::text, 0)");
}

std::string checksum_sql(const std::string& qualified_table, const std::string& where_clause,
                         const std::string& row_hash) {
  return fmt::format("SELECT count(*), coalesce(sum({}), 0) FROM {} t{}",
                     row_hash.empty() ? "hashtextextended(t::text, 0)" : row_hash, qualified_table,
                     where_clause);
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

std::string Checksum::decimal() const {
  bool negative = sum < 0;
  UInt128 u = negative ? static_cast<UInt128>(-sum) : static_cast<UInt128>(sum);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  } while (u != 0);
  return negative ? "-" + digits : digits;
}

uint64_t hash_bytes(const char* p, size_t size) { return XXH64(p, size, 0); }

void StreamChecksum::add_message(const char* data, size_t size) {
  if (binary_) {
    // Header: "PGCOPY\n\377\r\n\0", 4 bytes of flags, 4 bytes of extension length (0).
    static const char signature[] = "PGCOPY\n\377\r\n";
    if (first_ && size >= 19 && std::memcmp(data, signature, 11) == 0) {
      data += 19;
      size -= 19;
    }
    first_ = false;
    if (size == 2 && static_cast<unsigned char>(data[0]) == 0xff &&
        static_cast<unsigned char>(data[1]) == 0xff) {
      return;  // trailer
    }
    if (size == 0) return;
  }
  ++total_.rows;
  if (row_hasher_ == nullptr) {
    total_.sum += static_cast<Int128>(hash_bytes(data, size));
    return;
  }
  try {  // PostgreSQL's bigint: the server sums it signed
    total_.sum += static_cast<int64_t>(row_hasher_->hash(std::string_view(data, size)));
  } catch (const std::runtime_error&) {
    // A value RowHasher cannot read (the target's COPY, not this hash, judges the stream): this
    // row's bytes hash instead, so the table's stream sums differ and it is read back byte-exact.
    total_.sum += static_cast<Int128>(hash_bytes(data, size));
  }
}

std::string Checksum::hex() const {
  auto u = static_cast<UInt128>(sum);
  return fmt::format("{:016x}{:016x}", static_cast<uint64_t>(u >> 64), static_cast<uint64_t>(u));
}

}  // namespace rehome::migrate
