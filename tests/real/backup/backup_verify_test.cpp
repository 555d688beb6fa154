// backup run -> verify against real PostgreSQL and Redis on loopback: an intact backup restores with
// matching row counts; one flipped byte in the dump fails verification and names the file.
#include <gtest/gtest.h>

#include <filesystem>

#include <fmt/format.h>

#include "backup/run.hpp"
#include "backup/store.hpp"
#include "backup/verify.hpp"
#include "backup_fixtures.hpp"
#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "real/harness/postgres_server.hpp"
#include "real/harness/redis_server.hpp"

using namespace rehome;
using namespace rehome::backup;
using rehome::test::TempDir;
namespace fs = std::filesystem;

namespace {

const char* kPassword = "pw-backup-test-7f3a";

class BackupVerify : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pg = new test::PostgresServer({.password = kPassword});
    pg->create_database("shop");
    pg->psql(
        "CREATE TABLE customers(id int PRIMARY KEY, name text);"
        "INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 500) g;"
        "CREATE SCHEMA sales; CREATE TABLE sales.orders(id serial PRIMARY KEY, customer int REFERENCES "
        "customers, "
        "total numeric);"
        "INSERT INTO sales.orders(customer, total) SELECT 1 + g % 500, g * 1.5 FROM generate_series(1, 2000) "
        "g;",
        "shop");
    redis = new test::RedisServer({.password = kPassword});
    redis->pipe("SET a 1\nSET b 2\nRPUSH l x y z\n");
  }
  static void TearDownTestSuite() {
    delete pg;
    delete redis;
  }
  static test::PostgresServer* pg;
  static test::RedisServer* redis;
};
test::PostgresServer* BackupVerify::pg = nullptr;
test::RedisServer* BackupVerify::redis = nullptr;

RunResult take_backup(const fs::path& dest, const std::optional<fs::path>& offsite, const fs::path& volume,
                      test::PostgresServer& pg, test::RedisServer& redis) {
  RunOptions o;
  o.sources = {{"postgres", pg.url("shop")}, {"redis", redis.url()}, {"volume", volume.string()}};
  o.dest = dest;
  o.offsite = offsite;
  return run_backup(o);
}

}  // namespace

TEST_F(BackupVerify, IntactBackupRestoresWithMatchingRowCounts) {
  TempDir tmp("verify");
  test::write_text(tmp / "volume/app/config.yml", "key: value\n");
  auto r = take_backup(tmp / "dest", tmp.path() / "offsite", tmp / "volume", *pg, *redis);
  ASSERT_EQ(r.manifest.artefacts.size(), 3u);
  const auto& dump = r.manifest.artefacts[0];
  EXPECT_EQ(dump.kind, "postgres");
  EXPECT_EQ(dump.row_counts.at("public.customers"), 500);
  EXPECT_EQ(dump.row_counts.at("sales.orders"), 2000);
  EXPECT_EQ(r.manifest.artefacts[1].kind, "redis");
  EXPECT_GT(r.manifest.artefacts[1].size, 0);
  EXPECT_EQ(r.manifest.artefacts[2].name, "volume-volume.tar.gz");
  // The manifest never holds the password; no partial leftovers.
  auto manifest_text = read_file(r.dir / manifest_file);
  EXPECT_EQ(manifest_text.find(kPassword), std::string::npos);
  EXPECT_TRUE(list_partials(tmp / "dest").empty());
  // Off-site: a full copy, re-hashed; a second run copies only the new backup.
  ASSERT_TRUE(r.offsite);
  EXPECT_EQ(r.offsite->backups_copied, 1);
  EXPECT_EQ(r.offsite->files_copied, 3);
  EXPECT_TRUE(fs::exists(tmp / "offsite" / r.manifest.id / manifest_file));

  VerifyOptions v;
  v.dest = tmp / "dest";
  v.restore_url = pg->url("postgres");
  v.textfile = tmp / "metrics/backup.prom";
  v.labels = {{"dest", "test"}};
  auto result = verify_backup(v);
  EXPECT_TRUE(result.ok()) << (result.problems.empty() ? "" : result.problems[0]);
  ASSERT_EQ(result.restores.size(), 1u);
  EXPECT_EQ(result.restores[0].rows, 2500);
  EXPECT_TRUE(result.restores[0].mismatches.empty());
  // The scratch database is gone again.
  EXPECT_EQ(pg->psql("SELECT count(*) FROM pg_database WHERE datname LIKE 'rehome_verify_%'"), "0");
  EXPECT_TRUE(fs::exists(r.dir / verified_file));
  auto prom = read_file(tmp / "metrics/backup.prom");
  EXPECT_NE(prom.find(fmt::format("backup_last_success_timestamp{{dest=\"test\"}} {}", r.manifest.time)),
            std::string::npos)
      << prom;
  EXPECT_NE(prom.find("backup_last_exit_code{dest=\"test\"} 0"), std::string::npos);
  EXPECT_NE(prom.find(fmt::format("backup_bytes{{dest=\"test\"}} {}", r.manifest.total_bytes())),
            std::string::npos);

  auto second = take_backup(tmp / "dest", tmp.path() / "offsite", tmp / "volume", *pg, *redis);
  ASSERT_TRUE(second.offsite);
  EXPECT_EQ(second.offsite->backups_copied, 1);
  EXPECT_EQ(second.offsite->backups_already_there, 1);
}

TEST_F(BackupVerify, FlippedByteFailsVerificationAndNamesTheFile) {
  TempDir tmp("flip");
  test::write_text(tmp / "volume/f.txt", "data\n");
  auto r = take_backup(tmp / "dest", std::nullopt, tmp / "volume", *pg, *redis);
  fs::path dump = r.dir / r.manifest.artefacts[0].name;
  test::flip_byte(dump, static_cast<std::streamoff>(fs::file_size(dump) / 2));

  VerifyOptions v;
  v.dest = tmp / "dest";
  v.restore_url = pg->url("postgres");
  v.textfile = tmp / "backup.prom";
  auto result = verify_backup(v);
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_NE(result.problems[0].find(dump.string()), std::string::npos) << result.problems[0];
  EXPECT_NE(result.problems[0].find("sha256 mismatch"), std::string::npos);
  EXPECT_TRUE(result.restores.empty());  // a damaged dump is not restored
  EXPECT_FALSE(fs::exists(r.dir / verified_file));
  auto prom = read_file(tmp / "backup.prom");
  EXPECT_NE(prom.find("backup_last_exit_code{} 1"), std::string::npos) << prom;
  EXPECT_EQ(prom.find("backup_last_success_timestamp{"), std::string::npos);  // never verified
}

TEST_F(BackupVerify, TooOldBackupFails) {
  TempDir tmp("old");
  auto r = take_backup(tmp / "dest", std::nullopt, tmp.path(), *pg, *redis);
  VerifyOptions v;
  v.dest = tmp / "dest";
  v.now = r.manifest.time + 25 * 3600;
  auto result = verify_backup(v);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.problems[0].find("more than the allowed"), std::string::npos) << result.problems[0];
}

TEST_F(BackupVerify, ServerUrlWithoutDatabaseDumpsEveryDatabase) {
  TempDir tmp("all");
  pg->create_database("second");
  RunOptions o;
  o.sources = {source_from_url(pg->url(""))};
  o.dest = tmp / "dest";
  auto r = run_backup(o);
  std::vector<std::string> dbs;
  for (const auto& a : r.manifest.artefacts) dbs.push_back(a.database);
  EXPECT_NE(std::find(dbs.begin(), dbs.end(), "shop"), dbs.end());
  EXPECT_NE(std::find(dbs.begin(), dbs.end(), "second"), dbs.end());
}

TEST(BackupVerifyNoServer, MissingBackupFolderStillWritesAFailingTextfile) {
  TempDir tmp("missing");
  VerifyOptions v;
  v.dest = tmp / "never-written";
  v.textfile = tmp / "backup.prom";
  auto r = verify_backup(v);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.problems[0].find("never-written is not a folder"), std::string::npos) << r.problems[0];
  auto prom = read_file(tmp / "backup.prom");
  EXPECT_NE(prom.find("backup_last_exit_code{} 1"), std::string::npos) << prom;
}
