#pragma once
// Pure: the row hash rehome's --verify stream and server proofs sum over a table, as a SQL expression
// for the server (row_hash_sql) and computed by rehome from a row's binary COPY tuple (RowHasher) as it
// streams from the source to the target.
//
// Why: to prove a copied table, rehome wants `count(*)` and `sum(<row hash>)` computed inside the
// target server (one aggregate query, nothing sent back) and the same two numbers for the source.
// Reading the source a second time would double the source's I/O, so rehome computes the source's side
// itself from the tuples it already has in hand. This file reproduces, bit for bit, the server's
// per-type extended hash functions (hashfunc.c, numeric.c, jsonb_op.c, arrayfuncs.c, ...) on the binary
// send form of each value. The lookup3 core itself is PostgreSQL's own, linked from
// libpgcommon_shlib.a, never rewritten.
//
// The row hash: column i's value hashed by its type's extended hash function with seed column_seed(i)
// (NULL: 0), the columns XORed. Calling each column's hash function directly costs the server about
// a fifth less than hash_record_extended(ROW(...)), which builds and takes apart a record per row.
// A distinct seed per column makes a value hash differently in each column, so equal values in two
// columns do not cancel; the hashes of an array or a jsonb can ignore the seed (an empty array hashes 1
// whatever the seed, a jsonb without scalars by its shape alone), so the k-th such column of a table is
// also shifted left by k bits (at most 47), which keeps two of them from cancelling.
//
// Types: bool, bytea, "char", name, int2, int4, int8, oid, text, varchar, bpchar (trailing spaces do not
// count), float4, float8 (±0 and every NaN hash alike), numeric (scale and sign do not count; NaN and
// ±Infinity hash as the seed), date, time, timestamp, timestamptz (the SQL takes it AT TIME ZONE
// INTERVAL '0', its UTC microseconds as a timestamp), uuid, jsonb (its binary COPY form is jsonb_out's text,
// parsed here into the iterator's token sequence), json only as `t.col::text`, and arrays of any of those
// (not of json), of any number of dimensions and any lower bounds. Anything else (enums, domains, ranges,
// composite types, ...) is refused by make(), and the caller reads back instead; row_hash_sql still
// hashes it in the server, as hash_record_extended(ROW(col), seed), for --verify server.
//
// Assumptions, which the caller must hold: the COPY session's client_encoding equals the server's
// encoding (text bytes arrive unconverted), and text-like columns use a deterministic collation (a
// nondeterministic ICU collation hashes its sort key instead of the bytes).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rehome::migrate {

// One column as the row hash sees it: `oid` its type (pg_attribute.atttypid); `as_text`: the type has
// no extended hash function, so the SQL hashes `t.col::text` (rehome reproduces that only for json,
// whose binary COPY form is its text); `name` its quoted identifier (for row_hash_sql only).
struct HashedColumn {
  uint32_t oid = 0;
  bool as_text = false;
  std::string name;
};

// Column i's seed: a fixed 64-bit constant (splitmix64 of i + 1).
uint64_t column_seed(size_t i);

// The row hash of `columns` as a SQL expression over the table aliased `t`: what RowHasher::hash
// returns for the same row, as PostgreSQL's int8. Empty for no columns.
std::string row_hash_sql(const std::vector<HashedColumn>& columns);

class RowHasher {
 public:
  // nullopt when some column is of a type rehome does not reproduce (the caller then reads back instead).
  static std::optional<RowHasher> make(const std::vector<HashedColumn>& columns);
  // `tuple`: one binary COPY tuple (int16 field count, then per field an int32 length, -1 for NULL,
  // and the bytes). Returns the row hash (row_hash_sql's value, as a uint64). Throws
  // std::runtime_error on a malformed tuple or a field count different from the columns'.
  // Thread-safe; allocates nothing for common values (only for numerics of over 500 digits and for
  // jsonb strings with escapes longer than any seen before on the thread).
  uint64_t hash(std::string_view tuple) const;

  // How one value is hashed; public only so that the implementation files can share it.
  enum class Kind : uint8_t {
    one_byte,  // bool, "char": hashcharextended of the (signed) byte
    int2,      // hashint2extended
    int4,      // int4, date: hashint4extended
    oid,       // hashoidextended
    int8,      // int8, time, timestamp, timestamptz: hashint8extended
    float4,    // hashfloat4extended
    float8,    // hashfloat8extended
    bytes,     // text, varchar, name, bytea, json as text: hash_any_extended of the bytes
    bpchar,    // hashbpcharextended: the bytes without trailing spaces
    uuid,      // uuid_hash_extended
    numeric,   // hash_numeric_extended
    jsonb,     // jsonb_hash_extended
  };

 private:
  struct Column {
    Kind kind = Kind::bytes;
    bool array = false;     // an array of `kind` (hash_array_extended)
    uint32_t element = 0;   // the array's element type OID, checked against each value's header
    int32_t fixed_len = 0;  // the binary length a scalar of this kind must have, 0 when variable
    uint64_t seed = 0;      // column_seed of its position
    int shift = 0;          // bits its hash is shifted left (arrays and jsonb)
  };
  std::vector<Column> columns_;
};

}  // namespace rehome::migrate
