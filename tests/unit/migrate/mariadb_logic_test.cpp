// migrate mariadb's pure pieces: URLs, key-range SQL, the state file.
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "engines/mariadb_url.hpp"
#include "migrate/mariadb/steps.hpp"

using namespace rehome;
using namespace rehome::migrate::mariadb;

TEST(MariadbUrl, ParsesBothSchemesWithAndWithoutPasswordOrDatabase) {
  auto a = engines::parse_mariadb_url("mariadb://mover@db.example:3307/app", "--from");
  EXPECT_EQ(a.user, "mover");
  EXPECT_FALSE(a.has_password);
  EXPECT_EQ(a.host, "db.example");
  EXPECT_EQ(a.port, 3307);
  EXPECT_EQ(a.database, "app");
  auto b = engines::parse_mariadb_url("mysql://u:p%40ss@[::1]", "--to");
  EXPECT_EQ(b.scheme, "mysql");
  EXPECT_TRUE(b.has_password);
  EXPECT_EQ(b.password, "p@ss");
  EXPECT_EQ(b.host, "::1");
  EXPECT_EQ(b.port, 3306);
  EXPECT_EQ(b.database, "");
  EXPECT_EQ(b.masked.find("p%40ss"), std::string::npos);
  auto c = engines::parse_mariadb_url("mariadb://10.0.0.5", "--to");
  EXPECT_EQ(c.user, "");
  EXPECT_EQ(c.identity(), "(default user)@10.0.0.5:3306");
}

TEST(MariadbUrl, RejectsMalformedUrlsWithoutShowingThePassword) {
  for (std::string bad :
       {"postgres://u:secret9@h/db", "mariadb://u:secret9@h:99999/db", "mariadb://u:secret9@/db"}) {
    try {
      engines::parse_mariadb_url(bad, "--from");
      ADD_FAILURE() << bad;
    } catch (const UserError& e) {
      EXPECT_EQ(std::string(e.what()).find("secret9"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("--from"), std::string::npos);
    }
  }
}

namespace {
Table two_key_table() {
  Table t{.name = {"app", "codes"}};
  t.columns = {{.name = "region", .data_type = "char", .charset = "utf8mb4"},
               {.name = "n", .data_type = "int"},
               {.name = "v", .data_type = "text", .charset = "latin1", .nullable = true}};
  t.key = {0, 1};
  return t;
}
std::string quote(const Column& c, const std::string& v) {
  return c.numeric() ? v : (c.charset.empty() ? "" : "_" + c.charset) + "'" + v + "'";
}
}  // namespace

TEST(MariadbChunks, RangesAreOpenAtBothEndsAndSpelledOutForCompositeKeys) {
  Table t = two_key_table();
  Chunk first{.id = "app.codes#0", .table = t.name, .upper = Key{"fr", "7"}};
  EXPECT_EQ(chunk_where(t, first, quote),
            " WHERE `region` <= _utf8mb4'fr' AND ((`region` < _utf8mb4'fr') OR (`region` = _utf8mb4'fr' AND "
            "`n` < 7))");
  Chunk middle{.id = "app.codes#1", .table = t.name, .lower = Key{"fr", "7"}, .upper = Key{"jp", "1"}};
  std::string where = chunk_where(t, middle, quote);
  EXPECT_NE(where.find("(`region` > _utf8mb4'fr') OR (`region` = _utf8mb4'fr' AND `n` >= 7)"),
            std::string::npos)
      << where;
  EXPECT_EQ(chunk_range_text(t, middle), "(region, n) >= ('fr', 7) AND (region, n) < ('jp', 1)");
  Chunk whole{.id = "app.codes#0", .table = t.name};
  EXPECT_EQ(chunk_where(t, whole, quote), "");
  t.key.clear();
  EXPECT_EQ(chunk_range_text(t, whole), "whole table (no key)");
}

TEST(MariadbChunks, TheProofHashesEveryColumnWithNullFlagsAndFloatAsDouble) {
  Table t = two_key_table();
  t.columns.push_back({.name = "f", .data_type = "float", .nullable = true});
  std::string sql = chunk_sum_sql(t, {"dst", "codes"}, " WHERE 1");
  EXPECT_NE(sql.find("CONCAT_WS(_binary'#',CAST(`region` AS BINARY),`n`,CAST(`v` AS BINARY),CAST(`f` AS "
                     "DOUBLE),CONCAT(ISNULL(`v`),ISNULL(`f`)))"),
            std::string::npos)
      << sql;
  EXPECT_NE(sql.find("FROM `dst`.`codes` WHERE 1"), std::string::npos);
}

TEST(MariadbState, RoundTripsBinaryKeysAndProgress) {
  State s{.fingerprint = "f1", .run_id = "r1", .source = "mariadb://a@h:3306/app"};
  s.schema_done = true;
  ChunkState c{
      .chunk = {.id = "app.t#1", .table = {"app", "t"}, .index = 1, .lower = Key{std::string("\0\xff'", 3)}},
      .status = ChunkStatus::done,
      .rows = 12,
      .source = {12, "345"},
      .target = {12, "345"},
      .verified = true};
  s.chunks.push_back(c);
  State back = state_from_json(state_to_json(s), "x.json");
  EXPECT_EQ(back.run_id, "r1");
  EXPECT_TRUE(back.schema_done);
  ASSERT_EQ(back.chunks.size(), 1u);
  EXPECT_EQ(back.chunks[0].chunk.lower, c.chunk.lower);
  EXPECT_FALSE(back.chunks[0].chunk.upper);
  EXPECT_EQ(back.chunks[0].status, ChunkStatus::done);
  EXPECT_EQ(back.chunks[0].source.sum, "345");
  EXPECT_THROW(state_from_json("{\"kind\": \"other\"}", "x.json"), UserError);
}

TEST(MariadbSelection, ParsesTablesAndDatabases) {
  auto t = rehome::migrate::parse_mariadb_tables("a,other.b", "app");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].display(), "app.a");
  EXPECT_EQ(t[1].display(), "other.b");
  EXPECT_THROW(rehome::migrate::parse_mariadb_tables("a", ""), UserError);
  EXPECT_THROW(rehome::migrate::parse_mariadb_databases("a,,b"), UserError);
}

TEST(MariadbSchema, SecondaryIndexesOfInnodbTablesWaitForTheRows) {
  const std::string ddl =
      "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n  `grp` int(11) NOT NULL,\n  `b` text,\n"
      "  PRIMARY KEY (`id`),\n  UNIQUE KEY `u``q` (`grp`,`id`),\n  KEY `grp` (`grp`) COMMENT 'x',\n"
      "  FULLTEXT KEY `ft` (`b`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
  auto d = defer_indexes(ddl);
  EXPECT_EQ(d.create,
            "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n  `grp` int(11) NOT NULL,\n  `b` text,\n"
            "  PRIMARY KEY (`id`),\n  FULLTEXT KEY `ft` (`b`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  EXPECT_EQ(d.names, (std::vector<std::string>{"u`q", "grp"}));
  EXPECT_EQ(d.clauses, (std::vector<std::string>{"ADD UNIQUE KEY `u``q` (`grp`,`id`)",
                                                 "ADD KEY `grp` (`grp`) COMMENT 'x'"}));
  // The last line deferred: the one before it loses its comma.
  auto last = defer_indexes(
      "CREATE TABLE `t` (\n  `id` int NOT NULL,\n  PRIMARY KEY (`id`),\n  KEY `k` (`id`)\n"
      ") ENGINE=InnoDB");
  EXPECT_EQ(last.create, "CREATE TABLE `t` (\n  `id` int NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB");
  // Kept whole: no primary key, a foreign key, another engine.
  for (const std::string& keep :
       {std::string("CREATE TABLE `t` (\n  `id` int NOT NULL,\n  KEY `k` (`id`)\n) ENGINE=InnoDB"),
        std::string(
            "CREATE TABLE `t` (\n  `id` int NOT NULL,\n  `p` int,\n  PRIMARY KEY (`id`),\n  KEY `p` (`p`),\n"
            "  CONSTRAINT `f` FOREIGN KEY (`p`) REFERENCES `u` (`id`)\n) ENGINE=InnoDB"),
        std::string("CREATE TABLE `t` (\n  `id` int NOT NULL,\n  PRIMARY KEY (`id`),\n  KEY `k` (`id`)\n) "
                    "ENGINE=Aria")}) {
    auto k = defer_indexes(keep);
    EXPECT_EQ(k.create, keep);
    EXPECT_TRUE(k.clauses.empty());
  }
}
