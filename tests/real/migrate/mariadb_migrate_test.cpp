// rehome migrate mariadb against real servers: a source with the awkward cases (utf8mb4 emoji,
// latin1, binary, DECIMAL, FLOAT, BIT, JSON, spatial, generated columns, a table without a key, a
// composite string key, a MyISAM table, views on views, triggers, routines, an event, accounts with
// grants and a DEFINER), copied and compared independently of rehome: CHECKSUM TABLE and a sorted
// mariadb-dump of every table on both servers. Then a planted difference found and located, kill -9
// mid-table and resume, a stale state file, passwords from an option file.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"
#include "engines/mariadb_connection.hpp"
#include "engines/mariadb_url.hpp"
#include "migrate/mariadb/steps.hpp"
#include "migrate_fixture.hpp"
#include "real/harness/mariadb_server.hpp"
#include "real/migrate/mariadb_compare.hpp"
#include "support/paths.hpp"

using namespace rehome::test;
using nlohmann::json;

namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

json report_of(const RehomeRun& run) {
  size_t start = run.output.find("\n{");
  if (start == std::string::npos) {
    ADD_FAILURE() << "no JSON in:\n" << run.output;
    return json::object();
  }
  return json::parse(run.output.substr(start + 1));
}

void expect_identical(const MariadbServer& source, const MariadbServer& target, const std::string& db) {
  ASSERT_GE(mariadb_base_tables(source, db).size(), 8u);
  EXPECT_EQ(mariadb_difference(source, target, db), "");
}

class MigrateMariadb : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    source_ = new MariadbServer();
    source_->sql(rehome::read_file(source_dir() / "tests/real/migrate/mariadb_fixture.sql"));
  }
  static void TearDownTestSuite() {
    delete source_;
    source_ = nullptr;
  }
  std::vector<std::string> args(const MariadbServer& target, const TempDir& dir,
                                std::vector<std::string> extra = {}) const {
    std::vector<std::string> a = {"migrate",      "mariadb",         "--from",     source_->url("app"),
                                  "--to",         target.url("app"), "--jobs",     "2",
                                  "--chunk-rows", "20000",           "--work-dir", dir.path.string()};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  static MariadbServer* source_;
};

MariadbServer* MigrateMariadb::source_ = nullptr;

TEST_F(MigrateMariadb, CopiesEverythingAndProvesIt) {
  MariadbServer target;
  TempDir dir;
  auto run = run_rehome(args(target, dir, {"--json"}));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  json report = report_of(run);
  EXPECT_TRUE(report["verified"].get<bool>()) << report.dump(1);
  EXPECT_NE(report["snapshot"]["binlog_position"].get<std::string>(), "binlog off");
  // rehome's hash of the streamed source rows agreed with the target server's for every chunk.
  for (const auto& note : report["notes"])
    EXPECT_EQ(note.get<std::string>().find("disagreed"), std::string::npos) << note;
  std::map<std::string, json> tables;
  for (const auto& t : report["tables"]) tables[t["table"]] = t;
  EXPECT_EQ(tables["app.big"]["split"], "integer key");
  EXPECT_GE(tables["app.big"]["chunks"].get<int>(), 5);
  EXPECT_EQ(tables["app.codes"]["split"], "key");
  EXPECT_GE(tables["app.codes"]["chunks"].get<int>(), 2);
  EXPECT_EQ(tables["app.events_log"]["split"], "whole table");
  EXPECT_EQ(tables["app.events_log"]["source_rows"], 2004);
  EXPECT_EQ(tables["app.legacy"]["engine"], "MyISAM");
  expect_identical(*source_, target, "app");

  // Objects, with their definers and grants.
  EXPECT_EQ(target.sql("SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'app'"), "3");
  EXPECT_EQ(target.sql("SELECT DEFINER FROM information_schema.VIEWS WHERE TABLE_NAME = 'app_view'"),
            "app@%");
  EXPECT_EQ(target.sql("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'app'"), "2");
  EXPECT_EQ(target.sql("SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'app'"), "2");
  EXPECT_EQ(target.sql("SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = 'app'"), "1");
  EXPECT_EQ(target.sql("SELECT app.twice(21)"), "42");
  EXPECT_EQ(target.sql("SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_NAME = 'orders'"),
            "5000");
  EXPECT_EQ(source_->sql("SHOW GRANTS FOR 'reporter'@'localhost'"),
            target.sql("SHOW GRANTS FOR 'reporter'@'localhost'"));
  EXPECT_EQ(source_->sql("SHOW GRANTS FOR 'app'@'%'"), target.sql("SHOW GRANTS FOR 'app'@'%'"));
  // A trigger on the target fires as on the source (it was not there while the rows were copied).
  target.sql("INSERT INTO app.orders (customer_id, note) VALUES (1, 'x')");
  EXPECT_EQ(target.sql("SELECT note FROM app.orders WHERE id = 5000"), "trg:x");
  target.sql("DELETE FROM app.orders WHERE id = 5000; ALTER TABLE app.orders AUTO_INCREMENT = 5000");
  // No password hash in anything rehome printed.
  std::string hash = source_->sql("SELECT authentication_string FROM mysql.user WHERE User = 'app'");
  ASSERT_FALSE(hash.empty());
  EXPECT_EQ(run.output.find(hash), std::string::npos);
  EXPECT_EQ(run.output.find("app-secret-pw"), std::string::npos);

  // Again: already complete, proven again.
  auto again = run_rehome(args(target, dir, {"--json"}));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  json second = report_of(again);
  EXPECT_TRUE(second["already_complete"].get<bool>());
  EXPECT_EQ(second["chunks"]["recopied"], 0);
  EXPECT_EQ(second["chunks"]["reverified"], second["chunks"]["total"]);
}

TEST_F(MigrateMariadb, FindsAndLocatesADifferenceOnTheTarget) {
  MariadbServer target;
  TempDir dir;
  ASSERT_EQ(run_rehome(args(target, dir)).exit_code, 0);
  target.sql("UPDATE app.big SET txt = 'planted' WHERE id = 150000; DELETE FROM app.codes WHERE n = 7");
  auto run = run_rehome(args(target, dir, {"--verify-only", "--json"}));
  EXPECT_EQ(run.exit_code, 1) << run.output;
  json report = report_of(run);
  EXPECT_FALSE(report["verified"].get<bool>());
  int found = 0;
  for (const auto& t : report["tables"]) {
    if (t["table"] == "app.big") {
      ASSERT_EQ(t["differences"].size(), 1u) << t.dump(1);
      std::string range = t["differences"][0]["range"];
      EXPECT_NE(range.find("id >= "), std::string::npos) << range;
      // The located range holds id 150000 and no more than one chunk's keys.
      auto lower = std::stoll(range.substr(range.find(">= ") + 3));
      auto upper = std::stoll(range.substr(range.find("< ") + 2));
      EXPECT_LE(lower, 150000);
      EXPECT_GT(upper, 150000);
      EXPECT_LE(upper - lower, 25000);
      ++found;
    } else if (t["table"] == "app.codes") {
      ASSERT_EQ(t["differences"].size(), 1u) << t.dump(1);
      EXPECT_EQ(t["differences"][0]["target_rows"].get<int64_t>() + 1,
                t["differences"][0]["source_rows"].get<int64_t>());
      ++found;
    } else {
      EXPECT_TRUE(t["ok"].get<bool>()) << t.dump(1);
    }
  }
  EXPECT_EQ(found, 2);
  auto text = run_rehome(args(target, dir, {"--verify-only"}));
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.output.find("app.big: differs in id >= "), std::string::npos) << text.output;
}

TEST_F(MigrateMariadb, ResumesAfterKillMidTable) {
  MariadbServer target;
  TempDir dir;
  run_rehome_and_kill_at(args(target, dir), "copy:app.big#5");
  auto states = lines(target.sql("SELECT COUNT(*) FROM _rehome.chunks"));
  ASSERT_EQ(states.size(), 1u);
  auto run = run_rehome(args(target, dir, {"--json"}));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  json report = report_of(run);
  EXPECT_TRUE(report["resumed"].get<bool>());
  EXPECT_TRUE(report["verified"].get<bool>());
  EXPECT_GT(report["chunks"]["reverified"].get<int>(), 0);
  EXPECT_LT(report["chunks"]["copied_now"].get<int>(), report["chunks"]["total"].get<int>());
  expect_identical(*source_, target, "app");
  EXPECT_EQ(target.sql("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'app'"), "2");
}

// The shared rule (migrate/resume_decision.hpp): a finished run is "already complete"; a target whose
// _rehome.runs records this migration under another run is refused with --truncate named, and the flag
// starts over.
TEST_F(MigrateMariadb, AnotherRunOfTheSameMigrationIsRefusedUntilTruncate) {
  MariadbServer target;
  TempDir a, b;
  ASSERT_EQ(run_rehome(args(target, a)).exit_code, 0);
  auto again = run_rehome(args(target, a));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("already complete: run"), std::string::npos) << again.output;
  ASSERT_EQ(run_rehome(args(target, b, {"--truncate"})).exit_code, 0);

  auto refused = run_rehome(args(target, a));
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("is stale: the target carries another run"), std::string::npos)
      << refused.output;
  EXPECT_NE(refused.output.find("--truncate"), std::string::npos) << refused.output;
  auto over = run_rehome(args(target, a, {"--truncate"}));
  ASSERT_EQ(over.exit_code, 0) << over.output;
  EXPECT_NE(over.output.find("starting over"), std::string::npos) << over.output;
  expect_identical(*source_, target, "app");
}

TEST_F(MigrateMariadb, AStaleStateFileStartsOverAndPasswordsComeFromAnOptionFile) {
  MariadbServer target;
  TempDir dir;
  const std::string password = "opt-file-pw-77";
  for (const MariadbServer* s : {source_, &target}) {
    s->sql("CREATE USER IF NOT EXISTS 'mover'@'127.0.0.1' IDENTIFIED BY '" + password +
           "'; GRANT ALL ON *.* TO 'mover'@'127.0.0.1' WITH GRANT OPTION");
  }
  std::filesystem::path option_file = dir.path / "my.cnf";
  std::ofstream(option_file) << "[client]\nuser=mover\npassword=" << password << "\n";
  auto no_user = [](std::string url) { return url.replace(url.find("root@"), 5, ""); };
  std::vector<std::string> a = {"migrate",
                                "mysql",
                                "--from",
                                no_user(source_->url("app")),
                                "--to",
                                no_user(target.url("app")),
                                "--jobs",
                                "2",
                                "--work-dir",
                                dir.path.string(),
                                "--defaults-file",
                                option_file.string()};
  auto first = run_rehome(a);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(first.output.find(password), std::string::npos);

  // The target is emptied behind rehome's back: the state file describes nothing there.
  target.sql("DROP DATABASE app; DROP DATABASE _rehome");
  a.push_back("--json");
  auto second = run_rehome(a);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  json report = report_of(second);
  EXPECT_NE(report["stale_state"].get<std::string>().find("is stale"), std::string::npos);
  EXPECT_FALSE(report["resumed"].get<bool>());
  EXPECT_TRUE(report["verified"].get<bool>());
  expect_identical(*source_, target, "app");

  // A wrong password: a clear message, never the password.
  std::ofstream(option_file) << "[client]\nuser=mover\npassword=wrong-pw-55\n";
  auto wrong = run_rehome(a);
  EXPECT_EQ(wrong.exit_code, 2) << wrong.output;
  EXPECT_NE(wrong.output.find("option file"), std::string::npos) << wrong.output;
  EXPECT_EQ(wrong.output.find("wrong-pw-55"), std::string::npos);
  // A password in the URL works, with a warning that names the safer way.
  std::vector<std::string> b = {
      "migrate",      "mariadb",
      "--from",       source_->url("app"),
      "--to",         "mariadb://mover:" + password + "@127.0.0.1:" + std::to_string(target.port()) + "/app",
      "--work-dir",   dir.path.string(),
      "--verify-only"};
  auto in_url = run_rehome(b);
  EXPECT_EQ(in_url.exit_code, 0) << in_url.output;
  EXPECT_NE(in_url.output.find("warning"), std::string::npos);
  EXPECT_EQ(in_url.output.find(password), std::string::npos);
}

// A killed run's statement can stay on the target, holding its chunk's locks (a LOAD DATA whose
// client died with the server's receive window full never hears the close); the resumed run ends
// those of its own run (tagged with it), and only those, before it writes.
TEST(MigrateMariadbOrphans, AResumeEndsWhatItsKilledRunLeftRunningOnTheTarget) {
  MariadbServer target;
  const auto endpoint = rehome::engines::parse_mariadb_url(target.url(), "");
  auto sleeper = [&](const std::string& run, int seconds) {
    return std::thread([&endpoint, run, seconds] {
      rehome::engines::MariadbConnection c(endpoint, "orphan");
      try {
        c.exec(fmt::format("{}SELECT SLEEP({})", rehome::migrate::mariadb::run_tag(run), seconds));
      } catch (const std::exception&) {  // killed
      }
    });
  };
  std::thread orphan = sleeper("r-killed", 600), other = sleeper("r-other", 8);
  rehome::engines::MariadbConnection c(endpoint, "target");
  auto running = [&](const std::string& run) {
    return c.scalar(
        fmt::format("SELECT COUNT(*) FROM information_schema.processlist WHERE LOCATE('{}', info) = 1",
                    rehome::migrate::mariadb::run_tag(run)));
  };
  for (int i = 0; i < 100 && (running("r-killed") != "1" || running("r-other") != "1"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(rehome::migrate::mariadb::end_orphans(c, "r-killed", std::chrono::seconds(30)), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(running("r-killed"), "0");
  EXPECT_EQ(running("r-other"), "1") << "another run's statement is not ours to end";
  EXPECT_EQ(rehome::migrate::mariadb::end_orphans(c, "r-killed", std::chrono::seconds(30)), 0);
  orphan.join();
  other.join();
}

}  // namespace
