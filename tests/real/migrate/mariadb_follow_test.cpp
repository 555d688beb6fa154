// rehome migrate mariadb --follow / --cutover against real MariaDB servers (binlog_format = ROW): a
// writer inserts, updates and deletes (and runs multi-statement transactions) all through the copy and
// after it; the follower is killed with SIGKILL inside a source transaction it had half applied, then
// resumed; a DDL runs during the follow; the writer stops, the cutover catches up, proves every table
// and drops the follow. Every acknowledged write is on the target (independent checks: CHECKSUM TABLE
// and a sorted mariadb-dump of every table, and the writer's own ledger of live ids). Then the
// refusals: a purged binlog position, binlog_format = STATEMENT (before anything is written).
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engines/mariadb_connection.hpp"
#include "migrate_fixture.hpp"
#include "real/harness/mariadb_server.hpp"
#include "real/harness/server_process.hpp"
#include "support/paths.hpp"

using namespace rehome::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

MariadbOptions row_format() { return {.settings = {"--binlog-format=ROW"}}; }

json json_output(const RehomeRun& run) {
  size_t at = run.output.find("\n{");
  if (at == std::string::npos && run.output.starts_with("{"))
    at = 0;
  else if (at != std::string::npos)
    ++at;
  if (at == std::string::npos) {
    ADD_FAILURE() << "no JSON in:\n" << run.output;
    return json::object();
  }
  return json::parse(run.output.substr(at));
}

std::string slurp_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// rehome in the background (its output in `log`), as a person runs `--follow` in a terminal.
struct Background {
  pid_t pid = -1;
  std::filesystem::path log;
  Background(const std::vector<std::string>& args, std::filesystem::path log_file)
      : log(std::move(log_file)) {
    std::vector<std::string> argv = {rehome_binary().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    pid = spawn(argv, {.log_file = log, .user = RunAs{.uid = ::getuid(), .gid = ::getgid()}});
  }
  ~Background() {
    if (pid > 0 && child_alive(pid)) {
      ::kill(pid, SIGKILL);
      wait_child(pid);
    }
  }
  // Waits until the log holds `marker`; false if rehome ended first or after 120 s.
  bool wait_for(const std::string& marker) {
    for (auto deadline = std::chrono::steady_clock::now() + 120s;
         std::chrono::steady_clock::now() < deadline;) {
      if (slurp_file(log).find(marker) != std::string::npos) return true;
      if (!child_alive(pid)) return slurp_file(log).find(marker) != std::string::npos;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  // Waits for the exit; its status.
  int wait() {
    int rc = wait_child(pid);
    pid = -1;
    return rc;
  }
};

// Writes to the source until stopped, each statement (or transaction) acknowledged before the next, and
// remembers the live ledger ids.
class Writer {
 public:
  explicit Writer(const MariadbServer& server)
      : url_(rehome::engines::parse_mariadb_url(server.url("app"), "")) {
    thread_ = std::thread([this] { run(); });
  }
  ~Writer() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int64_t writes() const { return writes_.load(); }
  std::string live_ids() const {
    std::string out;
    for (size_t i = 0; i < ids_.size(); ++i)
      if (!deleted_[i]) out += (out.empty() ? "" : ",") + std::to_string(ids_[i]);
    return out;
  }
  std::string error;

 private:
  void run() {
    try {
      rehome::engines::MariadbConnection db(url_, "writer");
      for (int64_t i = 0; !stop_; ++i) {
        db.exec(fmt::format(
            "INSERT INTO ledger (v, note, amount, doc) VALUES ({}, 'w{} 😀', {} / 7, JSON_OBJECT('i', {}))", i,
            i, i, i));
        ids_.push_back(std::stoll(db.scalar("SELECT LAST_INSERT_ID()").value_or("0")));
        deleted_.push_back(false);
        if (i % 3 == 0)
          db.exec(fmt::format("UPDATE ledger SET v = v + 1000, note = CONCAT(note, '+') WHERE id = {}",
                              ids_[static_cast<size_t>(i / 2)]));
        if (i % 7 == 6 && !deleted_[static_cast<size_t>(i - 5)]) {
          db.exec(fmt::format("DELETE FROM ledger WHERE id = {}", ids_[static_cast<size_t>(i - 5)]));
          deleted_[static_cast<size_t>(i - 5)] = true;
        }
        if (i % 5 == 0) db.exec(fmt::format("INSERT INTO events (at, kind) VALUES (NOW(6), 'write {}')", i));
        if (i % 4 == 0) {
          db.exec("START TRANSACTION");
          db.exec("UPDATE counter SET n = n + 1 WHERE id = 1");
          db.exec(fmt::format("UPDATE big SET x = x + 1 WHERE id = {}", 1 + (i * 7919) % 200000));
          db.exec("COMMIT");
        }
        ++writes_;
        std::this_thread::sleep_for(1ms);
      }
    } catch (const std::exception& e) {
      error = e.what();
    }
  }

  rehome::engines::MariadbEndpoint url_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> writes_{0};
  std::vector<int64_t> ids_;
  std::vector<bool> deleted_;
  std::thread thread_;
};

void fill(const MariadbServer& source) {
  source.sql(R"SQL(
CREATE DATABASE app CHARACTER SET utf8mb4;
USE app;
CREATE TABLE ledger (id BIGINT AUTO_INCREMENT PRIMARY KEY, v BIGINT, note VARCHAR(100), amount DECIMAL(20,6),
  doc JSON, KEY (v)) ENGINE=InnoDB;
CREATE TABLE events (at DATETIME(6), kind VARCHAR(40)) ENGINE=InnoDB;
CREATE TABLE counter (id INT PRIMARY KEY, n BIGINT NOT NULL) ENGINE=InnoDB;
INSERT INTO counter VALUES (1, 0);
CREATE TABLE big (id INT PRIMARY KEY, x BIGINT, pad VARCHAR(200)) ENGINE=InnoDB;
INSERT INTO big SELECT seq, seq, REPEAT('p', 150) FROM seq_1_to_200000;
INSERT INTO ledger (v, note, amount, doc) SELECT seq, CONCAT('seed ', seq), seq / 3, JSON_ARRAY(seq) FROM seq_1_to_5000;
CREATE DATABASE other;
CREATE TABLE other.noise (id INT AUTO_INCREMENT PRIMARY KEY, v INT);
)SQL");
}

std::vector<std::string> tables_of(const MariadbServer& server, const std::string& db) {
  std::vector<std::string> out;
  std::stringstream in(server.sql("SHOW FULL TABLES WHERE Table_type = 'BASE TABLE'", db));
  for (std::string line; std::getline(in, line);) out.push_back(line.substr(0, line.find('\t')));
  return out;
}

void expect_identical(const MariadbServer& source, const MariadbServer& target) {
  auto tables = tables_of(source, "app");
  ASSERT_EQ(tables.size(), 4u);
  EXPECT_EQ(tables, tables_of(target, "app"));
  for (const auto& t : tables) {
    const std::string sql = "CHECKSUM TABLE `" + t + "` EXTENDED";
    EXPECT_EQ(source.sql(sql, "app"), target.sql(sql, "app")) << t;
    EXPECT_EQ(source.dump_table("app", t), target.dump_table("app", t)) << t;
  }
  EXPECT_EQ(source.sql("SHOW CREATE TABLE events", "app"), target.sql("SHOW CREATE TABLE events", "app"));
}

class FollowMariadb : public ::testing::Test {
 protected:
  std::vector<std::string> args(const MariadbServer& source, const MariadbServer& target,
                                std::vector<std::string> extra) const {
    std::vector<std::string> a = {"migrate",    "mariadb",         "--from", source.url("app"),
                                  "--to",       target.url("app"), "--jobs", "2",
                                  "--work-dir", dir.path.string()};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  TempDir dir;
};

}  // namespace

TEST_F(FollowMariadb, EveryAcknowledgedWriteArrivesThroughKillAndCutover) {
  MariadbServer source(row_format());
  MariadbServer target;
  fill(source);
  Writer writer(source);

  // Copy (the writer runs all through it), then follow; killed inside the first source transaction it
  // applies: its row events are in, neither its position nor the COMMIT.
  std::string killed = run_rehome_and_kill_at(args(source, target, {"--follow"}), "follow:commit");
  EXPECT_NE(killed.find("recorded on the target: it starts at the copy's snapshot"), std::string::npos)
      << killed;
  ASSERT_TRUE(writer.error.empty()) << writer.error;

  // Resumed: no copy, from the recorded position.
  Background follower(args(source, target, {"--follow"}), dir.path / "follow.log");
  ASSERT_TRUE(follower.wait_for("applying the source's binlog from")) << slurp_file(follower.log);
  EXPECT_NE(slurp_file(follower.log).find("resuming it, no copy"), std::string::npos)
      << slurp_file(follower.log);
  std::this_thread::sleep_for(1500ms);
  source.sql("ALTER TABLE events ADD COLUMN tag VARCHAR(10) NOT NULL DEFAULT 'x'", "app");
  source.sql("INSERT INTO other.noise (v) VALUES (1), (2)");  // another database: passed over
  std::this_thread::sleep_for(1000ms);

  // As a person would: stop the writers once --lag shows the follower close behind (the copy's backlog
  // applied), so the freeze window is the last moment's changes.
  bool close = false;
  for (int i = 0; i < 240 && !close; ++i) {
    auto lag = run_rehome(args(source, target, {"--lag", "--json"}));
    ASSERT_EQ(lag.exit_code, 0) << lag.output;
    json l = json_output(lag);
    ASSERT_TRUE(l["running"].get<bool>()) << lag.output;
    close = l["bytes_behind"].get<int64_t>() < 256 * 1024;
    if (!close) std::this_thread::sleep_for(500ms);
  }
  EXPECT_TRUE(close) << "the follower never came within 256 KB of the source";

  writer.stop();
  ASSERT_TRUE(writer.error.empty()) << writer.error;
  EXPECT_GT(writer.writes(), 100);
  auto cutover = run_rehome(args(source, target, {"--cutover", "--json"}));
  ASSERT_EQ(cutover.exit_code, 0) << cutover.output << "\nfollower:\n" << slurp_file(follower.log);
  json c = json_output(cutover);
  EXPECT_TRUE(c["verified"].get<bool>()) << cutover.output;
  EXPECT_TRUE(c["dropped"].get<bool>());
  EXPECT_TRUE(c["follower_was_running"].get<bool>());
  EXPECT_EQ(c["applied"]["to"], c["freeze_position"]);
  const double window = c["seconds"]["window"].get<double>();
  EXPECT_LT(window, 5.0) << cutover.output;
  std::cerr << fmt::format("MariaDB follow: {} writes, freeze window {:.3f} s, proof {:.2f} s\n",
                           writer.writes(), window, c["seconds"]["verify"].get<double>());
  EXPECT_EQ(follower.wait(), 0) << slurp_file(follower.log);

  expect_identical(source, target);
  EXPECT_EQ(target.sql("SELECT GROUP_CONCAT(id ORDER BY id) FROM ledger WHERE note LIKE 'w%'", "app"),
            writer.live_ids());
  EXPECT_EQ(target.sql("SELECT COUNT(*) FROM _rehome.follow"), "0");
  EXPECT_EQ(target.sql("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'other'"), "0");
}

TEST_F(FollowMariadb, PurgedBinlogAndStatementFormatAreRefusedWithTheFix) {
  MariadbServer source(row_format());
  MariadbServer target;
  fill(source);
  {
    Background follower(args(source, target, {"--follow"}), dir.path / "follow.log");
    ASSERT_TRUE(follower.wait_for("applying the source's binlog from")) << slurp_file(follower.log);
    source.sql("UPDATE counter SET n = 5", "app");
    for (int i = 0; i < 500 && target.sql("SELECT n FROM counter", "app") != "5"; ++i)
      std::this_thread::sleep_for(20ms);
    ::kill(follower.pid, SIGTERM);  // interrupted between transactions: exit 0, the position kept
    EXPECT_EQ(follower.wait(), 0) << slurp_file(follower.log);
  }
  const std::string recorded = target.sql("SELECT CONCAT(binlog_file, ':', binlog_pos) FROM _rehome.follow");
  source.sql("FLUSH BINARY LOGS; UPDATE app.counter SET n = 6; FLUSH BINARY LOGS");
  // PURGE leaves a file a binlog dump still reads: wait until the stopped follower's is gone (it notices
  // its client left when the FLUSH gives it events to send).
  const std::string dumps =
      "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'";
  for (int i = 0; i < 500 && source.sql(dumps) != "0"; ++i) std::this_thread::sleep_for(20ms);
  const std::string status = source.sql("SHOW MASTER STATUS");
  const std::string newest = status.substr(0, status.find('\t'));
  // MariaDB also keeps a file until InnoDB's checkpoint covers its transactions: PURGE until it went.
  for (int i = 0; i < 100 && source.sql("SHOW BINARY LOGS").substr(0, newest.size()) != newest; ++i) {
    source.sql("PURGE BINARY LOGS TO '" + newest + "'");
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(source.sql("SHOW BINARY LOGS").substr(0, newest.size()), newest);
  for (const char* action : {"--follow", "--cutover"}) {
    auto refused = run_rehome(args(source, target, {action}));
    EXPECT_EQ(refused.exit_code, 2) << refused.output;
    EXPECT_NE(refused.output.find("was purged"), std::string::npos) << refused.output;
    EXPECT_NE(refused.output.find("--truncate --follow"), std::string::npos) << refused.output;
  }
  EXPECT_EQ(target.sql("SELECT CONCAT(binlog_file, ':', binlog_pos) FROM _rehome.follow"), recorded);
  EXPECT_EQ(target.sql("SELECT n FROM counter", "app"), "5");
  auto stopped = run_rehome(args(source, target, {"--stop-follow"}));
  EXPECT_EQ(stopped.exit_code, 0) << stopped.output;
  EXPECT_EQ(target.sql("SELECT COUNT(*) FROM _rehome.follow"), "0");

  // STATEMENT: refused before the copy, the target untouched.
  MariadbServer statement_source({.settings = {"--binlog-format=STATEMENT"}});
  MariadbServer fresh_target;
  statement_source.sql("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY)");
  auto refused = run_rehome(args(statement_source, fresh_target, {"--follow"}));
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("binlog_format = STATEMENT"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("SET GLOBAL binlog_format = 'ROW'"), std::string::npos) << refused.output;
  EXPECT_EQ(fresh_target.sql("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ('app', "
                             "'_rehome')"),
            "0");
}
