// RowHasher against a real PostgreSQL 15: for a battery of values of every supported type (edge cases
// included), for 2000 random rows of a typical seven-column table and for rows of every supported type
// side by side (arrays and jsonb among them), the hash rehome computes from the binary COPY tuple
// equals what the server computes for row_hash_sql on the same row.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "migrate/postgres/row_hash.hpp"
#include "real/harness/postgres_server.hpp"

using rehome::migrate::HashedColumn;
using rehome::migrate::row_hash_sql;
using rehome::migrate::RowHasher;

namespace {

using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

Result run(PGconn* c, const std::string& sql) {
  Result r(PQexec(c, sql.c_str()), &PQclear);
  auto status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw std::runtime_error(sql.substr(0, 200) + ": " + PQerrorMessage(c));
  }
  return r;
}

struct Session {
  explicit Session(const rehome::test::PostgresServer& pg) : conn(PQconnectdb(pg.url("postgres").c_str())) {
    if (PQstatus(conn) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn));
    run(conn, "SET timezone = 'UTC'");
    run(conn, "SET extra_float_digits = 3");
    run(conn, "SET client_encoding = 'UTF8'");
  }
  ~Session() { PQfinish(conn); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  PGconn* conn;
};

// The binary COPY tuples of `select`, header and trailer removed.
std::vector<std::string> copy_tuples(PGconn* c, const std::string& select) {
  std::string sql = "COPY (" + select + ") TO STDOUT (FORMAT binary)";
  Result r(PQexec(c, sql.c_str()), &PQclear);
  if (PQresultStatus(r.get()) != PGRES_COPY_OUT) throw std::runtime_error(sql + ": " + PQerrorMessage(c));
  std::vector<std::string> tuples;
  bool first = true;
  char* buf = nullptr;
  int n;
  while ((n = PQgetCopyData(c, &buf, 0)) > 0) {
    std::string msg(buf, static_cast<size_t>(n));
    PQfreemem(buf);
    if (first) {
      // 11-byte signature, int32 flags, int32 header extension length, the extension.
      auto ext = (static_cast<uint32_t>(static_cast<unsigned char>(msg[15])) << 24) |
                 (static_cast<uint32_t>(static_cast<unsigned char>(msg[16])) << 16) |
                 (static_cast<uint32_t>(static_cast<unsigned char>(msg[17])) << 8) |
                 static_cast<uint32_t>(static_cast<unsigned char>(msg[18]));
      msg.erase(0, 19 + ext);
      first = false;
    }
    if (msg.empty() || msg == std::string("\xff\xff", 2)) continue;
    tuples.push_back(std::move(msg));
  }
  if (n != -1) throw std::runtime_error(std::string("COPY failed: ") + PQerrorMessage(c));
  for (PGresult* end; (end = PQgetResult(c)) != nullptr;) {
    bool ok = PQresultStatus(end) == PGRES_COMMAND_OK;
    PQclear(end);
    if (!ok) throw std::runtime_error(std::string("COPY ended badly: ") + PQerrorMessage(c));
  }
  return tuples;
}

std::vector<uint64_t> column_u64(PGconn* c, const std::string& sql) {
  Result r = run(c, sql);
  std::vector<uint64_t> out;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    out.push_back(static_cast<uint64_t>(std::strtoll(PQgetvalue(r.get(), i, 0), nullptr, 10)));
  }
  return out;
}

std::vector<std::string> column_text(PGconn* c, const std::string& sql) {
  Result r = run(c, sql);
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    out.push_back(PQgetisnull(r.get(), i, 0) ? "NULL"
                                             : std::string(PQgetvalue(r.get(), i, 0)).substr(0, 120));
  }
  return out;
}

std::vector<HashedColumn> columns_of(PGconn* c, const std::string& select, bool as_text = false) {
  Result r = run(c, select + " LIMIT 0");
  std::vector<HashedColumn> cols;
  for (int i = 0; i < PQnfields(r.get()); ++i)
    cols.push_back({PQftype(r.get(), i), as_text, std::string("\"") + PQfname(r.get(), i) + "\""});
  return cols;
}

// Stores `values` (SQL expressions) in a one-column table of `type` and compares every row's hash;
// returns how many values were compared.
size_t check_type(PGconn* c, const std::string& type, const std::vector<std::string>& values,
                  bool as_text = false) {
  static int n = 0;
  std::string table = "hash_t" + std::to_string(++n);
  run(c, "CREATE TABLE " + table + " (k serial PRIMARY KEY, v " + type + ")");
  for (const std::string& v : values) run(c, "INSERT INTO " + table + " (v) VALUES (" + v + ")");
  std::string select = "SELECT v FROM " + table + " ORDER BY k";
  const auto columns = columns_of(c, select, as_text);
  auto hasher = RowHasher::make(columns);
  EXPECT_TRUE(hasher.has_value()) << type;
  if (!hasher) return 0;
  auto tuples = copy_tuples(c, select);
  auto expected = column_u64(c, "SELECT " + row_hash_sql(columns) + " FROM " + table + " t ORDER BY k");
  auto shown = column_text(c, "SELECT v::text FROM " + table + " ORDER BY k");
  EXPECT_EQ(tuples.size(), values.size()) << type;
  EXPECT_EQ(expected.size(), values.size()) << type;
  for (size_t i = 0; i < tuples.size() && i < expected.size(); ++i) {
    uint64_t got = 0;
    try {
      got = hasher->hash(tuples[i]);
    } catch (const std::exception& e) {
      ADD_FAILURE() << type << " value " << values[i] << " (" << shown[i] << "): " << e.what();
      continue;
    }
    EXPECT_EQ(got, expected[i]) << type << " value " << values[i] << " stored as " << shown[i];
  }
  return values.size();
}

// Every row of `table` (ordered by `key`): RowHasher on its binary COPY tuple against the server's
// row_hash_sql; `as_text`: the columns hashed in their text form (json). Returns the rows compared.
size_t compare_rows(PGconn* c, const std::string& table, const std::string& key,
                    const std::vector<std::string>& as_text = {}) {
  std::string select = "SELECT * FROM " + table + " ORDER BY " + key;
  auto columns = columns_of(c, select);
  for (auto& col : columns) {
    for (const auto& name : as_text) col.as_text = col.as_text || col.name == "\"" + name + "\"";
  }
  auto hasher = RowHasher::make(columns);
  EXPECT_TRUE(hasher.has_value()) << table;
  if (!hasher) return 0;
  auto tuples = copy_tuples(c, select);
  auto expected = column_u64(c, "SELECT " + row_hash_sql(columns) + " FROM " + table + " t ORDER BY " + key);
  EXPECT_EQ(tuples.size(), expected.size());
  size_t mismatches = 0;
  for (size_t i = 0; i < tuples.size() && i < expected.size(); ++i) {
    uint64_t got = hasher->hash(tuples[i]);
    if (got != expected[i] && ++mismatches <= 10) ADD_FAILURE() << table << " row " << i << " differs";
  }
  EXPECT_EQ(mismatches, 0u) << table;
  return tuples.size();
}

std::vector<std::string> quoted(const std::vector<std::string>& raw) {
  std::vector<std::string> out;
  for (const std::string& s : raw) out.push_back(s == "NULL" ? s : "'" + s + "'");
  return out;
}

// Each test on its own server, in a session set as rehome's proof sessions are.
class RowHashReal : public ::testing::Test {
 protected:
  rehome::test::PostgresServer pg;
  Session session{pg};
  PGconn* c = session.conn;
};

}  // namespace

TEST_F(RowHashReal, EveryTypeMatchesTheServer) {
  size_t total = 0;
  auto check = [&](const std::string& type, const std::vector<std::string>& values, bool as_text = false) {
    size_t n = check_type(c, type, values, as_text);
    std::cout << "  " << type << (as_text ? " (as text)" : "") << ": " << n << " values\n";
    total += n;
  };

  check("bool", {"true", "false", "NULL"});
  check("bytea", {"''", R"('\x00')", R"('\x0001ff00')", R"('\xdeadbeef')",
                  "decode(repeat('00ff', 3000), 'hex')", "convert_to('ünï', 'UTF8')", "NULL"});
  check("\"char\"", {"'a'", "'Z'", "''", "chr(200)", "chr(127)", "' '", "NULL"});
  check("name", {"'abc'", "''", "'ünïcødé'", "repeat('n', 63)", "'with space'", "NULL"});
  check("int2", {"0", "1", "-1", "32767", "-32768", "255", "-256", "NULL"});
  check("int4", {"0", "1", "-1", "2147483647", "-2147483648", "123456", "-65536", "NULL"});
  check("int8", {"0", "1", "-1", "9223372036854775807", "-9223372036854775808", "4294967296", "-4294967296",
                 "4294967295", "-4294967297", "1234567890123", "NULL"});
  check("oid", {"0", "1", "4294967295", "2147483648", "16384", "NULL"});
  check("text", {"''", "'a'", "'hello world'", "'ünïcødé 日本語 🎉'", "repeat('abc', 1000)",
                 "repeat('ü', 5000)", "E'tab\\there\\nnewline'", "'trailing  '", "'  leading'", "NULL"});
  check("varchar(20)", {"''", "'x'", "'y  '", "'ünï'", "NULL"});
  check("varchar", {"''", "repeat('v', 3000)", "'€'", "NULL"});
  check("char(10)", {"''", "'ab'", "'a b'", "'   '", "'ünï'", "'1234567890'", "NULL"});
  check("char(1)", {"'x'", "' '", "''", "NULL"});
  check("bpchar", {"'free  '", "''", "'x'", "NULL"});
  check("float4",
        quoted({"0", "-0", "1.5", "-1.5", "NaN", "Infinity", "-Infinity", "1e-45", "1.4e-45", "3.4028235e38",
                "0.1", "1.17549435e-38", "1e-40", "123456.79", "-3.14159", "NULL"}));
  check("float8",
        quoted({"0", "-0", "0.1", "-2.5", "NaN", "Infinity", "-Infinity", "5e-324", "1.7976931348623157e308",
                "2.2250738585072014e-308", "1e-310", "123456789.123", "-1e100", "1", "NULL"}));
  check("numeric", quoted({"0",
                           "0.00",
                           "-0.0",
                           "1",
                           "-1",
                           "1.0",
                           "1.50",
                           "1.5",
                           "1.5000",
                           "000123.4500",
                           "0.0001",
                           "0.00001",
                           "0.000123",
                           "10000",
                           "100000000",
                           "99999999",
                           "12345678901234567890.1234567890",
                           "-99999.99",
                           "NaN",
                           "Infinity",
                           "-Infinity",
                           "1e-100",
                           "1e100",
                           "0.1",
                           "9999",
                           "10000.0001",
                           "-0.001",
                           "3.141592653589793238462643383279502884197",
                           "123456789012345678901234567890",
                           "NULL"}));
  check("numeric", {"repeat('9', 1000)::numeric", "('0.' || repeat('0', 600) || '1')::numeric",
                    "('1' || repeat('0', 900))::numeric",
                    "(repeat('1234', 200) || '.' || repeat('5678', 100))::numeric"});
  check("numeric(14,2)", {"0", "1.5", "-1.5", "123456789012.34", "-0.01", "100", "NULL"});
  check("date", quoted({"2024-02-29", "1970-01-01", "2000-01-01", "1999-12-31", "infinity", "-infinity",
                        "4713-01-01 BC", "5874897-12-31", "NULL"}));
  check("time", quoted({"00:00", "23:59:59.999999", "12:34:56.789", "24:00", "00:00:00.000001", "NULL"}));
  check("timestamp",
        quoted({"2000-01-01", "1999-12-31 23:59:59.999999", "infinity", "-infinity", "1900-01-01",
                "2262-04-11 23:47:16", "4713-01-01 BC", "294276-12-31 23:59:59", "NULL"}));
  check("timestamptz", quoted({"2000-01-01 00:00+00", "2024-06-01 12:00+05", "1969-12-31 23:59:59.5+00",
                               "infinity", "-infinity", "4713-01-01 00:00+00 BC", "NULL"}));
  check("uuid", {"gen_random_uuid()", "gen_random_uuid()", "gen_random_uuid()",
                 "'00000000-0000-0000-0000-000000000000'", "'ffffffff-ffff-ffff-ffff-ffffffffffff'",
                 "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "NULL"});
  check("jsonb",
        quoted({"{}",
                "[]",
                "null",
                "true",
                "false",
                "0",
                "-1",
                "1.5",
                "-12.3400",
                "1e5",
                "1E-7",
                "\"str\"",
                "\"\"",
                "{\"a\": 1}",
                "{\"a\": {\"b\": [1, 2, {\"c\": null}]}, \"aa\": [], \"b\": {}}",
                "[1, \"two\", true, false, null, [], {}]",
                R"({"esc": "q\" b\\ s\/ n\n t\t r\r f\f bs\b c\u0001 c\u001f e\u00e9 ☃ 😀 \ud83d\ude00"})",
                "123456789012345678901234567890.123456789",
                "-0.00001",
                "[0.0, -0, 100, 1e2, 1.000]",
                "{\"b\": 1, \"a\": 2, \"aa\": 3, \"a\": 4}",
                "[[[[1]]]]",
                "{\"k\": [1, {\"x\": \"y\"}]}",
                "[1e400, 1e-400, -1e-3]",
                "{\"\": \"\"}",
                "{\"ünï\": \"日本\", \"key with space\": \"x\"}",
                "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]",
                "[{}, {}, [[]], [{}]]",
                "{\"a\": {}}",
                "[null]",
                "[true, [false, [null]]]",
                "\"\\u00e9\\n\"",
                "{\"n\": 99999999999999999999999999.0000001}",
                "{\"z\": 1, \"y\": 2, \"x\": 3, \"longer key\": 4, \"k\": {\"b\": [], \"a\": 0}}",
                "NULL"}));
  check("jsonb", {"('{\"long\": \"' || repeat('ab\\\"c', 2000) || '\"}')::jsonb",
                  "('[' || repeat('1.25, ', 500) || '2]')::jsonb",
                  "jsonb_build_object('s', repeat('é', 3000), 'n', 1.5)"});
  std::vector<std::string> numbers;
  for (const char* n : {"10000",
                        "0.0001",
                        "1234.5678",
                        "99999999.99999999",
                        "0.5",
                        "5",
                        "50",
                        "500",
                        "5000",
                        "50000",
                        "0.05",
                        "0.005",
                        "0.0005",
                        "0.00005",
                        "-7.0e-3",
                        "123e-10",
                        "1e4",
                        "1e3",
                        "12345678",
                        "-123456789",
                        "0.1234",
                        "0.12345",
                        "1000.0001",
                        "9999.9999",
                        "100000000.00000001"}) {
    numbers.push_back(std::string("'") + n + "'");
    numbers.push_back(std::string("'{\"k\": [") + n + ", " + n + "]}'");
  }
  check("jsonb", numbers);
  check("json",
        quoted({"{\"b\":1, \"a\":  2}", "[1, 2]", "\"x\"", "null", " {\"dup\":1,\"dup\":2} ", "{}", "NULL"}),
        true);
  check("int4[]",
        quoted({"{}", "{1,2,3}", "{1,NULL,3}", "{{1,2},{3,4}}", "[0:2]={7,8,9}", "{NULL}",
                "[-5:-4][2:3]={{1,2},{3,4}}", "{{{1},{2}},{{3},{4}}}", "{-1,0,2147483647}", "NULL"}));
  check("text[]", quoted({"{}", "{a,\"b c\",\"\"}", "{NULL,x}", "{{a,b},{c,d}}", "{\"ünï\",日本}",
                          "[3:3]={z}", "NULL"}));
  check("numeric[]",
        quoted({"{1.50,NaN,-0.001,NULL,0}", "{}", "{Infinity,-Infinity}", "{{1,2.5},{3,4}}", "NULL"}));
  check("jsonb[]", {"ARRAY['{\"a\":1}'::jsonb, '[]', 'null', NULL, '\"s\"', '{}']", "'{}'::jsonb[]", "NULL"});
  check("float8[]", quoted({"{0,-0,NaN,Infinity,1.5}", "{}", "{NULL,-1e-310}", "NULL"}));
  check("float4[]", quoted({"{0,-0,NaN,-Infinity,1.5}", "{1e-45}", "NULL"}));
  check("bool[]", quoted({"{t,f,NULL}", "{}", "NULL"}));
  check("int8[]", quoted({"{-1,4294967296,-9223372036854775808}", "{{1},{2}}", "NULL"}));
  check("int2[]", quoted({"{-1,0,32767}", "NULL"}));
  check("char(3)[]", quoted({"{a,bb,\"c  \",\"\"}", "{NULL}", "NULL"}));
  check("varchar[]", quoted({"{a,\"b \"}", "NULL"}));
  check("bytea[]", {"ARRAY['\\x00'::bytea, '\\x', NULL, '\\xff00']", "NULL"});
  check("date[]", quoted({"{2024-01-01,infinity,-infinity,NULL}", "NULL"}));
  check("time[]", quoted({"{00:00,23:59:59.5}", "NULL"}));
  check("timestamp[]", quoted({"{2000-01-01,infinity,NULL}", "NULL"}));
  check("timestamptz[]", quoted({"{\"2000-01-01 00:00+00\",-infinity}", "NULL"}));
  check("uuid[]", {"ARRAY[gen_random_uuid(), NULL, '00000000-0000-0000-0000-000000000000']", "NULL"});
  check("\"char\"[]", quoted({"{a,b,\"\"}", "NULL"}));
  check("name[]", quoted({"{pg_class,\"\"}", "NULL"}));
  check("oid[]", quoted({"{0,4294967295}", "NULL"}));
  std::cout << "  total: " << total << " values\n";
}

TEST_F(RowHashReal, RandomMultiColumnRowsMatchTheServer) {
  run(c,
      "CREATE TABLE multi (id bigint PRIMARY KEY, account int, amount numeric(14,2), created timestamptz, "
      "label text, flags int[], doc jsonb)");
  run(c, "SELECT setseed(0.42)");
  run(c,
      "INSERT INTO multi SELECT g, (random() * 1e6)::int - 500000, round((random() * 2e6 - 1e6)::numeric, "
      "2), "
      "'2020-01-01'::timestamptz + random() * interval '2000 days', md5(g::text) || repeat('é', g % 5), "
      "CASE g % 5 WHEN 0 THEN ARRAY[1, NULL]::int[] WHEN 1 THEN '{}'::int[] WHEN 2 THEN "
      "'{{1,2},{3,4}}'::int[] "
      "ELSE ARRAY[g, -g, (random() * 100)::int] END, "
      "jsonb_build_object('id', g, 'name', md5(g::text), 'score', round((random() * 100)::numeric, 3), "
      "'tags', jsonb_build_array('a', g % 3, random() > 0.5, NULL), "
      "'nested', jsonb_build_object('x', g * 1.5, 'y', NULL, 'q', E'say \"hi\"\\n'), 'e', '[]'::jsonb) "
      "FROM generate_series(1, 2000) g");
  run(c, "UPDATE multi SET label = NULL WHERE id % 17 = 0");
  run(c, "UPDATE multi SET amount = NULL WHERE id % 13 = 0");
  run(c, "UPDATE multi SET doc = NULL WHERE id % 11 = 0");
  run(c, "UPDATE multi SET flags = NULL WHERE id % 19 = 0");
  run(c, "UPDATE multi SET created = NULL, account = NULL WHERE id % 23 = 0");
  run(c, "UPDATE multi SET doc = '{}' WHERE id % 29 = 0");
  run(c, "UPDATE multi SET amount = 0 WHERE id % 31 = 0");
  run(c, "INSERT INTO multi (id) VALUES (100000)");  // all NULL but the key

  EXPECT_EQ(compare_rows(c, "multi", "id"), 2001u);
}

TEST_F(RowHashReal, EveryTypeSideBySideMatchesTheServer) {
  // Every supported type in one table, several arrays and jsonb among them: each column its own seed,
  // each array or jsonb column its own shift.
  run(c,
      "CREATE TABLE wide (k int PRIMARY KEY, a int4[], b jsonb, c bool, d bytea, e \"char\", f name, "
      "g int2, h int8, i oid, j text, l varchar, m char(4), n float4, o float8, p numeric, q date, r time, "
      "s timestamp, u timestamptz, v uuid, w text[], x jsonb, y json, z jsonb[])");
  run(c,
      "INSERT INTO wide SELECT g, CASE WHEN g % 3 = 0 THEN '{}' ELSE ARRAY[g, NULL] END, "
      "CASE g % 4 WHEN 0 THEN '{}' WHEN 1 THEN '[]' ELSE jsonb_build_object('g', g) END, g % 2 = 0, "
      "decode(md5(g::text), 'hex'), chr(65 + g % 26), 'n' || g, (g % 300)::int2, g * 4294967311, g, "
      "md5(g::text), 'v' || g, 'c' || g % 10, g / 7.0, g / 3.0, g / 9.0, '2000-01-01'::date + g, "
      "'00:00'::time + g * interval '1 second', '2000-01-01'::timestamp + g * interval '1 hour', "
      "'2000-01-01 00:00+00'::timestamptz + g * interval '1 minute', md5(g::text)::uuid, "
      "CASE WHEN g % 3 = 0 THEN '{}' ELSE ARRAY['t' || g] END, "
      "CASE g % 4 WHEN 0 THEN '{}' WHEN 1 THEN '[]' ELSE jsonb_build_array(g) END, "
      "json_build_object('y', g), ARRAY['{}'::jsonb] FROM generate_series(1, 400) g");
  run(c, "INSERT INTO wide (k) VALUES (0)");  // all NULL but the key
  run(c,
      "INSERT INTO wide (k, a, w, b, x) VALUES (-1, '{}', '{}', '{}', '{}'), (-2, NULL, NULL, NULL, NULL)");
  EXPECT_EQ(compare_rows(c, "wide", "k", {"y"}), 403u);
  // Empty arrays (which hash 1 whatever the seed) and empty objects in two columns each do not
  // cancel: the row does not hash like its all-NULL twin.
  auto twins = column_u64(c, "SELECT " + row_hash_sql(columns_of(c, "SELECT k, a, w, b, x FROM wide")) +
                                 " FROM wide t WHERE k < 0 ORDER BY k");
  ASSERT_EQ(twins.size(), 2u);
  EXPECT_NE(twins[0], twins[1]);
}

TEST_F(RowHashReal, TimestamptzHashesAlikeInEveryTimeZone) {
  // The SQL takes a timestamptz AT TIME ZONE INTERVAL '0': its hash is its UTC microseconds' whatever
  // the session's zone, as RowHasher's is from the binary COPY form (which is always UTC).
  run(c, "CREATE TABLE tz (k int PRIMARY KEY, u timestamptz, a timestamptz[])");
  run(c,
      "INSERT INTO tz SELECT g, '2024-03-10 06:30+00'::timestamptz + g * interval '17 minutes', "
      "ARRAY['2024-11-03 05:00+00'::timestamptz + g * interval '7 minutes'] FROM generate_series(1, 300) g");
  run(c,
      "INSERT INTO tz VALUES (-1, 'infinity', ARRAY['-infinity'::timestamptz]), (-2, NULL, NULL), "
      "(-3, '4713-01-01 00:00+00 BC', NULL), (-4, '294276-12-31 23:59:59+00', NULL)");
  for (const char* zone : {"UTC", "America/New_York", "Asia/Kathmandu", "Pacific/Chatham"}) {
    run(c, std::string("SET timezone = '") + zone + "'");
    EXPECT_EQ(compare_rows(c, "tz", "k"), 304u) << zone;
  }
}
