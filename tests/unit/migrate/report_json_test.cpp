// Every mover's report as evidence: to_json, then *_from_json, gives the same JSON back (kind and format
// included), and a reader refuses another kind or a newer format.
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "migrate/mariadb/mariadb_migration.hpp"
#include "migrate/postgres/migration.hpp"
#include "migrate/redis/migration.hpp"
#include "migrate/volume/volume_migration.hpp"

namespace rehome::migrate {
namespace {

using nlohmann::json;

PgMigrationReport postgres_report() {
  PgMigrationReport r;
  r.source = "postgresql://app:*****@old:5432/shop";
  r.target = "postgresql://app:*****@new:5432/shop";
  r.selection = "schema billing";
  r.state_file = "rehome-migrate-shop.state.json";
  r.resumed = true;
  r.rows_copied = 1500;
  r.bytes_copied = 1 << 20;
  r.units = 4;
  r.units_copied_now = 2;
  r.schema_seconds = 0.25;
  r.copy_seconds = 1.5;
  r.total_seconds = 2.125;
  r.tables.push_back(
      {{"billing", "invoices"}, 1000, 1000, "aa", "aa", 8192, 8192, VerifyMode::stream, false});
  r.tables.push_back({{"billing", "lines"}, 500, 499, "bb", "bc", 4096, 4000, VerifyMode::readback, true});
  r.sequences.push_back({{"billing", "invoices_id_seq"}, 1000, 1000, true});
  r.sequences.push_back({{"billing", "unused_seq"}, std::nullopt, std::nullopt, true});
  r.sequences.push_back({{"billing", "lost_seq"}, 7, std::nullopt, false});
  r.crossing_keys.push_back({{"lines_customer_fk", {"billing", "lines"}, {"public", "customers"}}, true});
  r.crossing_keys.push_back({{"audit_invoice_fk", {"public", "audit"}, {"billing", "invoices"}}, false});
  r.extra_target_tables = {"billing.stray"};
  return r;
}

TEST(MigrationEvidence, PostgresRoundTrips) {
  auto r = postgres_report();
  json j = to_json(r);
  EXPECT_EQ(j["kind"], "rehome.migration.postgres");
  EXPECT_EQ(j["format"], 1);
  auto back = pg_migration_from_json(j);
  EXPECT_EQ(to_json(back), j);
  EXPECT_EQ(back.problems(), r.problems());
  EXPECT_FALSE(back.verified());
  EXPECT_EQ(back.tables[1].proof, VerifyMode::readback);
  EXPECT_FALSE(back.sequences[2].target_exists);
  EXPECT_TRUE(back.sequences[1].target_exists);
}

TEST(MigrationEvidence, RedisRoundTrips) {
  RedisMigrationReport r;
  r.source = "redis://old:6379";
  r.target = "redis://:*****@new:6379";
  r.method = "auto";
  r.keys_copied = 4000;
  r.keys_by_value = 3000;
  r.copy_seconds = 0.5;
  r.seconds = 0.75;
  r.databases.push_back({0, 4000, 4000, 0, {}});
  r.databases.push_back({3, 10, 9, 1, {"session:7"}});
  json j = to_json(r);
  EXPECT_EQ(j["kind"], "rehome.migration.redis");
  EXPECT_EQ(j["keys_per_second"], 8000.0);
  auto back = redis_migration_from_json(j);
  EXPECT_EQ(to_json(back), j);
  EXPECT_EQ(back.problems(), r.problems());
}

TEST(MigrationEvidence, MariadbRoundTrips) {
  MariadbMigrationReport r;
  r.source = "mariadb://app@old:3306";
  r.target = "mariadb://app@new:3306";
  r.selection = "databases shop";
  r.run_id = "r1";
  r.source_identity = "uuid-1";
  r.binlog_position = "binlog.000003:42";
  r.lock_seconds = 0.03;
  r.notes = {"binlog off"};
  r.rows_copied = 10;
  r.units = 3;
  MariadbTableCheck t{{"shop", "orders"},
                      {"shop", "orders"},
                      "InnoDB",
                      "integer key",
                      3,
                      10,
                      10,
                      "x",
                      "y",
                      100,
                      false,
                      {{"shop.orders#2", "id >= 5 AND id < 10", 5, 5, "s", "t"}}};
  r.tables.push_back(t);
  r.tables.push_back(
      {{"shop", "gone"}, {"shop", "gone"}, "InnoDB", "whole table", 1, 2, 0, "z", "", 10, true, {}});
  r.objects.push_back({"view", "shop.v", true});
  r.objects.push_back({"account", "'app'@'%'", false});
  json j = to_json(r);
  EXPECT_EQ(j["kind"], "rehome.migration.mariadb");
  auto back = mariadb_migration_from_json(j);
  EXPECT_EQ(to_json(back), j);
  EXPECT_EQ(back.problems(), r.problems());
}

TEST(MigrationEvidence, VolumeRoundTrips) {
  volume::VolumeMigrationReport r;
  r.from = {"unix:///old.sock", "uploads", ""};
  r.to = {"unix:///new.sock", "", "/srv/uploads"};
  r.pass = 2;
  r.writers.push_back({"source", "app-1"});
  r.sent_files = 3;
  r.sent_bytes = 300;
  r.renamed = 1;
  r.source = {10, 8, 800, 3, 300};
  r.target = {9, 7, 700, 7, 700};
  r.mismatches.push_back({"a/b.txt", "missing on the target"});
  r.seconds = 1.0;
  json j = volume::to_json(r);
  EXPECT_EQ(j["kind"], "rehome.migration.volume");
  auto back = volume::volume_migration_from_json(j);
  EXPECT_EQ(volume::to_json(back), j);
  EXPECT_FALSE(back.verified());
}

TEST(MigrationEvidence, ReadersRefuseAnotherKindAndANewerFormat) {
  json redis = to_json(RedisMigrationReport{});
  EXPECT_THROW(pg_migration_from_json(redis), UserError);
  redis["format"] = 2;
  try {
    redis_migration_from_json(redis);
    FAIL() << "a newer format must not be read as this one";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("format 2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rehome::migrate
