#include "migrate/checksum.hpp"

#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

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

namespace {

constexpr uint64_t P1 = 11400714785074694791ull, P2 = 14029467366897019727ull, P3 = 1609587929392839161ull,
                   P4 = 9650029242287828579ull, P5 = 2870177450012600261ull;

uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
uint64_t read64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
uint32_t read32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t round(uint64_t acc, uint64_t input) { return rotl(acc + input * P2, 31) * P1; }
uint64_t merge(uint64_t acc, uint64_t val) { return (acc ^ round(0, val)) * P1 + P4; }

}  // namespace

uint64_t hash_bytes(const char* p, size_t size) {
  const char* end = p + size;
  uint64_t h;
  if (size >= 32) {
    uint64_t v1 = P1 + P2, v2 = P2, v3 = 0, v4 = 0 - P1;
    do {
      v1 = round(v1, read64(p));
      v2 = round(v2, read64(p + 8));
      v3 = round(v3, read64(p + 16));
      v4 = round(v4, read64(p + 24));
      p += 32;
    } while (p + 32 <= end);
    h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
    h = merge(merge(merge(merge(h, v1), v2), v3), v4);
  } else {
    h = P5;
  }
  h += static_cast<uint64_t>(size);
  for (; p + 8 <= end; p += 8) h = rotl(h ^ round(0, read64(p)), 27) * P1 + P4;
  if (p + 4 <= end) {
    h = rotl(h ^ (uint64_t{read32(p)} * P1), 23) * P2 + P3;
    p += 4;
  }
  for (; p < end; ++p) h = rotl(h ^ (static_cast<uint64_t>(static_cast<unsigned char>(*p)) * P5), 11) * P1;
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

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
  total_.sum += static_cast<Int128>(hash_bytes(data, size));
}

std::string Checksum::hex() const {
  auto u = static_cast<UInt128>(sum);
  return fmt::format("{:016x}{:016x}", static_cast<uint64_t>(u >> 64), static_cast<uint64_t>(u));
}

}  // namespace rehome::migrate
