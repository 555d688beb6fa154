#pragma once
// Internals of RowHasher (postgres/row_hash.hpp) shared by its source files: PostgreSQL's lookup3 hash, the
// numeric hash (binary send form and decimal text) and the jsonb hash of jsonb_out's text.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

// PostgreSQL's own lookup3 (src/common/hashfn.c), linked from libpgcommon_shlib.a of the Debian package
// postgresql-server-dev-15: inside the server, hash_any_extended and hash_uint32_extended are these two.
// Declared here because the server headers do not compile as C++.
extern "C" {
uint64_t hash_bytes_extended(const unsigned char* k, int keylen, uint64_t seed);
uint64_t hash_bytes_uint32_extended(uint32_t k, uint64_t seed);
}

namespace rehome::migrate::pghash {

[[noreturn]] inline void fail(const std::string& what) { throw std::runtime_error("row hash: " + what); }

inline uint64_t any(const void* data, size_t len, uint64_t seed) {
  return hash_bytes_extended(static_cast<const unsigned char*>(data), static_cast<int>(len), seed);
}
inline uint64_t uint32(uint32_t k, uint64_t seed) { return hash_bytes_uint32_extended(k, seed); }

inline uint16_t be16(const char* p) {
  auto b = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>((b[0] << 8) | b[1]);
}
inline uint32_t be32(const char* p) {
  auto b = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}
inline uint64_t be64(const char* p) { return (uint64_t{be32(p)} << 32) | be32(p + 4); }

// hashint8extended: the high half folded into the low half (complemented for negatives).
inline uint64_t int8(int64_t v, uint64_t seed) {
  auto lo = static_cast<uint32_t>(v);
  auto hi = static_cast<uint32_t>(static_cast<uint64_t>(v) >> 32);
  lo ^= v >= 0 ? hi : ~hi;
  return uint32(lo, seed);
}

// hash_numeric_extended of base-10000 digits (host order) and their weight: zero digits at both ends
// do not count, all-zero is seed - 1.
uint64_t numeric_digits(const uint16_t* digits, int ndigits, int weight, uint64_t seed);
// hash_numeric_extended of a numeric's binary send form (ndigits, weight, sign, dscale, digits).
uint64_t numeric_binary(std::string_view field, uint64_t seed);
// hash_numeric_extended of the numeric a JSON number's text denotes (e.g. "-12.50", "1e-3").
uint64_t numeric_text(std::string_view text, uint64_t seed);
// jsonb_hash_extended of the jsonb that jsonb_out printed as `text`.
uint64_t jsonb_text(std::string_view text, uint64_t seed);

}  // namespace rehome::migrate::pghash
