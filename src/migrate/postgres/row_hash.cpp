// The row hash (postgres/row_hash.hpp): its SQL for the server, and RowHasher, which applies each type's
// extended hash function (and hash_array_extended, arrayfuncs.c) to its binary send form.
#include "migrate/postgres/row_hash.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "migrate/postgres/hash_detail.hpp"

namespace rehome::migrate {

namespace {

using Kind = RowHasher::Kind;
using namespace pghash;

struct TypeInfo {
  uint32_t oid;
  uint32_t array_oid;
  Kind kind;
  int32_t fixed_len;          // binary length of every value, 0 when variable
  const char* sql_fn;         // the SQL-callable extended hash; nullptr: hash_record_extended(ROW(col), seed)
  const char* sql_cast = "";  // written after the column, inside sql_fn's call
};

// The built-in types rehome reproduces, with their array types (pg_type.typarray) and how the SQL calls
// their hash (the default hash opclass's extended function, pg_amproc number 2).
constexpr TypeInfo kTypes[] = {
    // bool's is hashcharextended, which takes "char": hashint4extended of 0 or 1 is the same hash.
    {16, 1000, Kind::one_byte, 1, "hashint4extended", "::int4"},
    {17, 1001, Kind::bytes, 0, nullptr},  // bytea's hashvarlenaextended takes `internal`
    {18, 1002, Kind::one_byte, 1, "hashcharextended"},
    {19, 1003, Kind::bytes, 0, "hashnameextended"},
    {20, 1016, Kind::int8, 8, "hashint8extended"},
    {21, 1005, Kind::int2, 2, "hashint2extended"},
    {23, 1007, Kind::int4, 4, "hashint4extended"},
    {25, 1009, Kind::bytes, 0, "hashtextextended"},
    {26, 1028, Kind::oid, 4, "hashoidextended"},
    {700, 1021, Kind::float4, 4, "hashfloat4extended"},
    {701, 1022, Kind::float8, 8, "hashfloat8extended"},
    {1042, 1014, Kind::bpchar, 0, "hashbpcharextended"},
    {1043, 1015, Kind::bytes, 0, "hashtextextended"},   // varchar is text to the function
    {1082, 1182, Kind::int4, 4, nullptr},               // date: days, hashed as int4 (no cast to it)
    {1083, 1183, Kind::int8, 8, "time_hash_extended"},  // time: microseconds, hashed as int8
    {1114, 1115, Kind::int8, 8, "timestamp_hash_extended"},
    // timestamptz's opclass uses timestamp_hash_extended. AT TIME ZONE INTERVAL '0' keeps the
    // microseconds whatever the session's time zone, by a subtraction; the cast ::timestamp goes through
    // the calendar and the session's zone, and cost 10 % of a seven-column row hash (2026-12-03).
    {1184, 1185, Kind::int8, 8, "timestamp_hash_extended", " AT TIME ZONE INTERVAL '0'"},
    {1700, 1231, Kind::numeric, 0, "hash_numeric_extended"},
    {2950, 2951, Kind::uuid, 16, "uuid_hash_extended"},
    {3802, 3807, Kind::jsonb, 0, "jsonb_hash_extended"},
};
constexpr uint32_t kJsonOid = 114;

constexpr int kMaxShift = 47;

const TypeInfo* find_type(uint32_t oid) {
  for (const TypeInfo& t : kTypes) {
    if (oid == t.oid || oid == t.array_oid) return &t;
  }
  return nullptr;
}

// Whether a column's hash can ignore its seed (arrays, jsonb, and types rehome does not know), so that
// it is shifted by its rank among such columns.
bool may_ignore_seed(const HashedColumn& c) {
  if (c.as_text) return false;  // hashtextextended always mixes the seed in
  const TypeInfo* t = find_type(c.oid);
  return t == nullptr || c.oid == t->array_oid || t->kind == Kind::jsonb;
}

// Each column's left shift: the k-th column whose hash may ignore its seed is shifted by k (at most
// kMaxShift), every other column by 0. The SQL and RowHasher both take it from here.
std::vector<int> column_shifts(const std::vector<HashedColumn>& columns) {
  std::vector<int> shifts;
  shifts.reserve(columns.size());
  int rank = 0;
  for (const HashedColumn& c : columns)
    shifts.push_back(may_ignore_seed(c) ? std::min(rank++, kMaxShift) : 0);
  return shifts;
}

constexpr uint64_t kCanonicalNaN = 0x7ff8000000000000ULL;  // get_float8_nan()

uint64_t hash_float8(double d, uint64_t seed) {
  if (d == 0.0) return seed;  // +0 and -0
  uint64_t bits;
  if (std::isnan(d)) {
    bits = kCanonicalNaN;
  } else {
    std::memcpy(&bits, &d, sizeof bits);
  }
  return any(&bits, sizeof bits, seed);  // the double's bytes in host order
}

// One non-NULL value of `kind` (its length already checked against the kind's fixed length).
uint64_t hash_value(Kind kind, const char* p, size_t n, uint64_t seed) {
  switch (kind) {
    case Kind::one_byte:
      return uint32(static_cast<uint32_t>(static_cast<int32_t>(static_cast<signed char>(p[0]))), seed);
    case Kind::int2:
      return uint32(static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(be16(p)))), seed);
    case Kind::int4:
    case Kind::oid:
      return uint32(be32(p), seed);
    case Kind::int8:
      return int8(static_cast<int64_t>(be64(p)), seed);
    case Kind::float4: {
      uint32_t bits = be32(p);
      float f;
      std::memcpy(&f, &bits, sizeof f);
      return hash_float8(static_cast<double>(f), seed);
    }
    case Kind::float8: {
      uint64_t bits = be64(p);
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return hash_float8(d, seed);
    }
    case Kind::bytes:
    case Kind::uuid:
      return any(p, n, seed);
    case Kind::bpchar:
      while (n > 0 && p[n - 1] == ' ') --n;
      return any(p, n, seed);
    case Kind::numeric:
      return numeric_binary(std::string_view(p, n), seed);
    case Kind::jsonb:
      if (n < 1 || p[0] != 1) fail("jsonb of an unknown binary version");
      return jsonb_text(std::string_view(p + 1, n - 1), seed);
  }
  fail("unknown hash kind");
}

// Reads fields off a binary COPY tuple or array body, bounds-checked.
struct Reader {
  const char* p;
  const char* end;
  void need(size_t n) const {
    if (static_cast<size_t>(end - p) < n) fail("tuple ends early");
  }
  int32_t i32() {
    need(4);
    auto v = static_cast<int32_t>(be32(p));
    p += 4;
    return v;
  }
  int16_t i16() {
    need(2);
    auto v = static_cast<int16_t>(be16(p));
    p += 2;
    return v;
  }
};

void check_len(int32_t fixed_len, size_t n) {
  if (fixed_len != 0 && n != static_cast<size_t>(fixed_len)) fail("value of a wrong length for its type");
}

// hash_array_extended of an array's binary send form: 1, then result * 31 + element hash in storage
// order (dimensions and bounds do not count), NULL elements hashing 0.
uint64_t hash_array(Kind kind, uint32_t element, int32_t fixed_len, std::string_view field, uint64_t seed) {
  Reader r{field.data(), field.data() + field.size()};
  int32_t ndim = r.i32();
  r.i32();  // has-nulls flag
  r.need(4);
  uint32_t elemtype = be32(r.p);
  r.p += 4;
  if (ndim < 0 || ndim > 6) fail("array with a bad number of dimensions");
  if (elemtype != element) fail("array of an unexpected element type");
  int64_t items = ndim == 0 ? 0 : 1;
  for (int32_t d = 0; d < ndim; ++d) {
    int32_t dim = r.i32();
    r.i32();  // lower bound
    if (dim < 0) fail("array with a negative dimension");
    items *= dim;
    if (items > (int64_t{1} << 28)) fail("array too large");
  }
  uint64_t result = 1;
  for (int64_t i = 0; i < items; ++i) {
    int32_t len = r.i32();
    uint64_t h = 0;
    if (len != -1) {
      if (len < 0) fail("array element of a negative length");
      r.need(static_cast<size_t>(len));
      check_len(fixed_len, static_cast<size_t>(len));
      h = hash_value(kind, r.p, static_cast<size_t>(len), seed);
      r.p += len;
    }
    result = (result << 5) - result + h;
  }
  if (r.p != r.end) fail("array with trailing bytes");
  return result;
}

}  // namespace

uint64_t column_seed(size_t i) {
  uint64_t z = i + 1 + 0x9e3779b97f4a7c15ULL;  // splitmix64
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string row_hash_sql(const std::vector<HashedColumn>& columns) {
  std::string sql;
  const std::vector<int> shifts = column_shifts(columns);
  for (size_t i = 0; i < columns.size(); ++i) {
    const HashedColumn& c = columns[i];
    const auto seed = static_cast<int64_t>(column_seed(i));
    // An int8 literal: the lowest int8's digits alone would not fit, so it is written as a difference.
    const std::string seed_sql =
        seed == std::numeric_limits<int64_t>::min() ? "(-9223372036854775807 - 1)" : fmt::format("{}", seed);
    const TypeInfo* t = find_type(c.oid);
    std::string hash;
    if (c.as_text)
      hash = fmt::format("hashtextextended(t.{}::text, {})", c.name, seed_sql);
    else if (t != nullptr && c.oid == t->array_oid)
      hash = fmt::format("hash_array_extended(t.{}, {})", c.name, seed_sql);
    else if (t != nullptr && t->sql_fn != nullptr)
      hash = fmt::format("{}(t.{}{}, {})", t->sql_fn, c.name, t->sql_cast, seed_sql);
    else
      hash = fmt::format("hash_record_extended(ROW(t.{}), {})", c.name, seed_sql);
    if (shifts[i] > 0) hash = fmt::format("({} << {})", hash, shifts[i]);
    sql += fmt::format("{}coalesce({}, 0)", i == 0 ? "" : " # ", hash);
  }
  return sql;
}

std::optional<RowHasher> RowHasher::make(const std::vector<HashedColumn>& columns) {
  RowHasher hasher;
  hasher.columns_.reserve(columns.size());
  const std::vector<int> shifts = column_shifts(columns);
  for (size_t i = 0; i < columns.size(); ++i) {
    const HashedColumn& c = columns[i];
    Column col;
    col.seed = column_seed(i);
    col.shift = shifts[i];
    if (c.as_text) {
      // Only json: its binary form is its text, which is what ::text gives.
      if (c.oid != kJsonOid) return std::nullopt;
      col.kind = Kind::bytes;
    } else {
      const TypeInfo* t = find_type(c.oid);
      if (t == nullptr) return std::nullopt;
      col.kind = t->kind;
      col.array = c.oid == t->array_oid;
      col.element = t->oid;
      col.fixed_len = t->fixed_len;
    }
    hasher.columns_.push_back(col);
  }
  return hasher;
}

uint64_t RowHasher::hash(std::string_view tuple) const {
  Reader r{tuple.data(), tuple.data() + tuple.size()};
  int16_t count = r.i16();
  if (count < 0 || static_cast<size_t>(count) != columns_.size()) {
    fail("tuple has " + std::to_string(count) + " fields, expected " + std::to_string(columns_.size()));
  }
  uint64_t result = 0;
  for (const Column& col : columns_) {
    int32_t len = r.i32();
    uint64_t h = 0;
    if (len != -1) {
      if (len < 0) fail("field of a negative length");
      r.need(static_cast<size_t>(len));
      auto n = static_cast<size_t>(len);
      if (col.array) {
        h = hash_array(col.kind, col.element, col.fixed_len, std::string_view(r.p, n), col.seed);
      } else {
        check_len(col.fixed_len, n);
        h = hash_value(col.kind, r.p, n, col.seed);
      }
      r.p += len;
    }
    result ^= h << col.shift;
  }
  if (r.p != r.end) fail("tuple with trailing bytes");
  return result;
}

}  // namespace rehome::migrate
