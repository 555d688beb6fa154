// MariaDB into restic: `mariadb-dump --single-transaction` streamed into a local repository while a
// writer commits rows the whole time; the row counts and CHECKSUM TABLE values in the manifest are the
// dump's own snapshot (the restore gives exactly them back, though the source moved on); the password
// travels in a 0600 option file, never argv. restic alone gets the dump back (sha256sum equals the
// manifest's) and it loads into a throwaway mariadbd; verify restores into another one and compares;
// the audit counts the copy.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "backup/audit.hpp"
#include "backup/repository.hpp"
#include "backup/survey.hpp"
#include "backup_fixtures.hpp"
#include "common/atomic_file.hpp"
#include "common/process.hpp"
#include "engines/mariadb_connection.hpp"
#include "real/harness/mariadb_server.hpp"

using namespace rehome;
using namespace rehome::backup;
using rehome::test::TempDir;
namespace fs = std::filesystem;

namespace {

const char* kDbPassword = "pw-maria-backup-7f3a";
const char* kRepoPassword = "pw-maria-repo-1c0e";

}  // namespace

TEST(MariadbBackup, DumpInItsSnapshotRestoresWithResticAloneAndVerifies) {
  TempDir tmp("mariadb");
  test::MariadbServer src;
  src.sql("CREATE DATABASE shop");
  src.sql(
      "CREATE TABLE shop.customers(id INT PRIMARY KEY, name VARCHAR(40)) ENGINE=InnoDB;"
      "INSERT INTO shop.customers SELECT seq, CONCAT('c', seq) FROM seq_1_to_4000;"
      "CREATE TABLE shop.orders(id INT AUTO_INCREMENT PRIMARY KEY, customer INT, total DECIMAL(10,2), "
      "note TEXT) ENGINE=InnoDB;"
      "INSERT INTO shop.orders(customer, total, note) SELECT seq % 4000, seq * 1.5, REPEAT('x', seq % 300) "
      "FROM seq_1_to_60000;"
      "CREATE TABLE shop.empty_one(id INT PRIMARY KEY) ENGINE=InnoDB;"
      "CREATE USER 'backup'@'127.0.0.1' IDENTIFIED BY '" +
          std::string(kDbPassword) +
          "';"
          "GRANT SELECT, RELOAD, LOCK TABLES, SHOW VIEW, TRIGGER, PROCESS ON *.* TO 'backup'@'127.0.0.1';",
      "shop");
  test::write_text(tmp / "password", kRepoPassword);
  ::chmod((tmp / "password").c_str(), 0600);
  Repository repo{(tmp / "repo").string(), tmp / "password", tmp / "cache", {}};

  // A writer commits orders the whole time the backup runs.
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  engines::MariadbConnection w(engines::parse_mariadb_url(src.url("shop"), "writer"), "writer");
  std::thread writer([&] {
    while (!stop) {
      w.exec("INSERT INTO orders(customer, total, note) VALUES (1, 2.5, 'during the backup')");
      w.exec("UPDATE customers SET name = CONCAT(name, '+') WHERE id = " +
             std::to_string(1 + written % 4000));
      ++written;
    }
  });

  RepoRunOptions o;
  // No password in the URL: MYSQL_PWD, which rehome hands to mariadb-dump in a 0600 option file.
  auto url = fmt::format("mariadb://backup@127.0.0.1:{}/shop", src.port());
  o.sources = {{"mariadb", url, "shop-db"}};
  o.repositories = {repo};
  o.estate = "maria-test";
  o.staging = tmp / "staging";
  std::string log;
  o.progress = [&](const std::string& line) { log += line + "\n"; };
  RepoRunResult r;
  {
    test::ScopedEnv pwd("MYSQL_PWD", kDbPassword);
    while (written < 50) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    r = backup_to_repositories(o);
    int before = written;
    while (written < before + 50) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  writer.join();
  ASSERT_TRUE(r.ok()) << (r.failures.empty() ? "" : r.failures[0]) << "\n" << log;
  ASSERT_EQ(r.stored.size(), 1u);
  const auto& a = r.stored[0].artefact;
  std::cout << log;
  EXPECT_EQ(a.kind, "mariadb");
  EXPECT_EQ(a.row_counts.at("customers"), 4000);
  EXPECT_EQ(a.row_counts.at("empty_one"), 0);
  EXPECT_GE(a.row_counts.at("orders"), 60050);  // writes before the backup
  EXPECT_LT(a.row_counts.at("orders"), std::stoll(src.sql("SELECT COUNT(*) FROM shop.orders")));  // and after
  EXPECT_EQ(a.checksums.size(), 3u);
  EXPECT_FALSE(a.binlog_position.empty());  // the harness runs a binary log
  EXPECT_EQ(log.find(kDbPassword), std::string::npos);
  EXPECT_EQ(log.find(kRepoPassword), std::string::npos);

  // restic alone: the snapshot is listed with rehome's tags, its dump comes out of `restic dump` and
  // sha256sum agrees with the manifest.
  ProcessOptions env;
  env.env = {{"RESTIC_REPOSITORY", repo.location},
             {"RESTIC_PASSWORD_FILE", (tmp / "password").string()},
             {"RESTIC_CACHE_DIR", (tmp / "cache").string()}};
  auto listed = run_process({"restic", "snapshots", "--json", "--tag", "kind=mariadb"}, env);
  ASSERT_TRUE(listed.ok()) << listed.err;
  auto snaps = nlohmann::json::parse(listed.out);
  ASSERT_EQ(snaps.size(), 1u);
  auto tags = snaps[0].at("tags").get<std::vector<std::string>>();
  EXPECT_NE(std::find(tags.begin(), tags.end(), "service=shop-db"), tags.end());
  auto dumped = run_process(
      {"sh", "-c",
       fmt::format("restic dump latest '/{0}.tar' --tag kind=mariadb | tar -xO --wildcards '{0}.0*' > '{1}'",
                   a.name, (tmp / "shop.sql").string())},
      env);
  ASSERT_TRUE(dumped.ok()) << dumped.err;
  EXPECT_EQ(run_process({"sha256sum", (tmp / "shop.sql").string()}).out.substr(0, 64), a.sha256);
  auto manifest_text = run_process(
      {"sh", "-c",
       fmt::format("restic dump latest '/{0}.tar' --tag kind=mariadb | tar -xO manifest.json", a.name)},
      env);
  ASSERT_TRUE(manifest_text.ok()) << manifest_text.err;
  auto manifest = nlohmann::json::parse(manifest_text.out);
  EXPECT_EQ(manifest["artefacts"][0]["checksums"]["orders"], a.checksums.at("orders"));

  // ... and loads into a throwaway mariadbd by hand: the counts and checksums of the manifest, not the
  // source's present ones.
  test::MariadbServer by_hand({.binlog = false});
  by_hand.sql("CREATE DATABASE shop");
  auto load = run_process({"sh", "-c",
                           fmt::format("mariadb --socket='{}' -uroot shop < '{}'", by_hand.socket().string(),
                                       (tmp / "shop.sql").string())});
  ASSERT_TRUE(load.ok()) << load.err;
  for (const auto& [table, rows] : a.row_counts) {
    EXPECT_EQ(std::stoll(by_hand.sql("SELECT COUNT(*) FROM shop." + table)), rows) << table;
    auto sum = by_hand.sql("CHECKSUM TABLE shop." + table);
    EXPECT_EQ(sum.substr(sum.find('\t') + 1), a.checksums.at(table)) << table;
  }
  EXPECT_NE(src.sql("CHECKSUM TABLE shop.orders"), by_hand.sql("CHECKSUM TABLE shop.orders"));

  // verify: restic check, then the dump restored into a scratch database of another throwaway server.
  test::MariadbServer scratch({.binlog = false});
  RepoVerifyOptions v;
  v.repository = repo;
  v.estate = "maria-test";
  v.restore_mariadb_url = scratch.url();
  v.scratch = tmp.path();
  std::string vlog;
  v.progress = [&](const std::string& line) { vlog += line + "\n"; };
  auto verified = verify_repository(v);
  std::cout << vlog;
  ASSERT_TRUE(verified.ok()) << (verified.details.problems.empty() ? "" : verified.details.problems[0]);
  ASSERT_EQ(verified.details.restores.size(), 1u);
  EXPECT_EQ(verified.details.restores[0].tables, 3);
  EXPECT_EQ(verified.details.restores[0].rows, a.row_counts.at("orders") + 4000);
  EXPECT_NE(vlog.find("CHECKSUM TABLE match"), std::string::npos) << vlog;
  EXPECT_EQ(
      scratch.sql("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'rehome_verify%'"),
      "0");  // the scratch database is dropped

  // The audit counts the verified copy of the MariaDB service.
  model::Estate estate;
  estate.name = "maria-test";
  model::Service db;
  db.name = "shop-db";
  db.stateful = true;
  db.data = model::DataSpec{"mariadb", {"shop"}, 0, std::nullopt};
  estate.services.push_back(db);
  estate.backup.targets = {{"local", "local", "disk", repo.location}};
  SurveyOptions so;
  so.estate = "maria-test";
  so.password_file = tmp / "password";
  so.cache_dir = tmp / "cache";
  auto seen = survey_targets(estate.backup.targets, so);
  auto audit = audit_backups(estate, &seen);
  ASSERT_EQ(audit.items.size(), 1u);
  EXPECT_TRUE(audit.items[0].backed_up);
  EXPECT_EQ(audit.items[0].copies, 2) << audit.items[0].verdict;  // live + the proven local copy
  EXPECT_TRUE(audit.items[0].missing_copies.empty()) << audit.items[0].verdict;
}
