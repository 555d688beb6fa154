// The move's MariaDB copy and final sync through the move library (LibraryMovers, as `rehome move
// --execute` calls them) against real MariaDB servers. A source with binlog_format = ROW: a writer
// writes through the copy and after it; the copy records the binlog follow and starts its follower in
// process, the follower keeps up while the old side still serves, the writer stops (the freeze), and
// the final sync is the binlog cutover: a short window, every acknowledged write on the target, the
// follow dropped. A source with log_bin off: the probe and the copy say why, the final sync is the
// whole verified pass. Checked independently of rehome: CHECKSUM TABLE and a sorted dump of every
// table on both servers, the writer's last acknowledged id, the target's _rehome.follow.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "engines/mariadb_connection.hpp"
#include "engines/mariadb_url.hpp"
#include "move/final_sync.hpp"
#include "real/harness/mariadb_server.hpp"

namespace rehome::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Folder {
  fs::path path =
      fs::temp_directory_path() / ("rehome-move-mariasync-" + std::to_string(::getpid()) + "-" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  Folder() { fs::remove_all(path); }
  ~Folder() { fs::remove_all(path); }
};

void fill(const MariadbServer& source) {
  source.sql(R"SQL(
CREATE DATABASE app CHARACTER SET utf8mb4;
USE app;
CREATE TABLE w (id BIGINT AUTO_INCREMENT PRIMARY KEY, v BIGINT, note VARCHAR(60)) ENGINE=InnoDB;
CREATE TABLE big (id INT PRIMARY KEY, x BIGINT, pad VARCHAR(200)) ENGINE=InnoDB;
INSERT INTO big SELECT seq, seq, REPEAT('p', 150) FROM seq_1_to_100000;
)SQL");
}

// Autocommit writes on the source until stopped: an insert and an update each; `last` is the id of the
// last insert the server acknowledged.
class Writer {
 public:
  explicit Writer(const MariadbServer& s) : url_(engines::parse_mariadb_url(s.url("app"), "")) {
    thread_ = std::thread([this] {
      try {
        engines::MariadbConnection db(url_, "writer");
        for (int64_t i = 1; !stop_; ++i) {
          db.exec(fmt::format("INSERT INTO w (v, note) VALUES ({}, 'w{} 😀')", i, i));
          last = std::stoll(db.scalar("SELECT LAST_INSERT_ID()").value_or("0"));
          db.exec(fmt::format("UPDATE big SET x = x + 1 WHERE id = {}", 1 + (i * 7919) % 100000));
          ++writes;
          std::this_thread::sleep_for(1ms);
        }
      } catch (const std::exception& e) {
        error = e.what();
      }
    });
  }
  ~Writer() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::atomic<int64_t> last{0}, writes{0};
  std::string error;

 private:
  engines::MariadbEndpoint url_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

void expect_identical(const MariadbServer& source, const MariadbServer& target) {
  for (const std::string t : {"w", "big"}) {
    const std::string sql = "CHECKSUM TABLE `" + t + "` EXTENDED";
    EXPECT_EQ(source.sql(sql, "app"), target.sql(sql, "app")) << t;
    EXPECT_EQ(source.dump_table("app", t), target.dump_table("app", t)) << t;
  }
}

std::string report(const move::PassResult& r) {
  std::string s = r.summary;
  for (const auto& p : r.problems) s += "\n  " + p;
  return s;
}

// The item as the move makes it: every user database of the server (no database in the URLs).
struct Move {
  Folder work;
  move::MoveOptions options;
  move::DataItem item;
  std::unique_ptr<move::LibraryMovers> movers;
  Move(const MariadbServer& source, const MariadbServer& target) {
    options.work_dir = work.path.string();
    options.jobs = 2;
    item = {"db", "mariadb", "", "new", source.url(), target.url()};
    movers = std::make_unique<move::LibraryMovers>(options, runbook::Env{});
  }
};

TEST(MoveMariadbSyncReal, AFollowableSourceIsFollowedDuringTheMoveAndTheCutoverWindowIsTheLag) {
  MariadbServer source({.settings = {"--binlog-format=ROW"}}), target;
  fill(source);
  Move m(source, target);
  // The dry run's probe: the binlog can be used.
  EXPECT_EQ(move::mariadb_binlog_problem(m.options, m.item, {}), std::optional<std::string>(""));

  Writer writer(source);
  std::this_thread::sleep_for(300ms);
  auto copy = m.movers->run(m.item, "copy");
  ASSERT_TRUE(copy.ok) << report(copy);
  EXPECT_TRUE(copy.follows);
  EXPECT_NE(copy.summary.find("the target follows the source's binlog"), std::string::npos) << copy.summary;
  // The old side still serves: the follower applies its writes meanwhile.
  const int64_t at_copy = writer.last;
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(100ms);
    auto applied = target.sql("SELECT COALESCE(MAX(id), 0) FROM w", "app");
    if (std::stoll(applied) > at_copy + 50) break;
  }
  EXPECT_GT(std::stoll(target.sql("SELECT COALESCE(MAX(id), 0) FROM w", "app")), at_copy)
      << "the follower applied nothing after the copy";

  writer.stop();  // the freeze: every write so far acknowledged
  ASSERT_TRUE(writer.error.empty()) << writer.error;
  const auto t0 = std::chrono::steady_clock::now();
  auto sync = m.movers->run(m.item, "final-sync");
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(sync.ok) << report(sync);
  EXPECT_NE(sync.summary.find("binlog cutover: target writable after"), std::string::npos) << sync.summary;
  EXPECT_NE(sync.summary.find("by the running follower"), std::string::npos) << sync.summary;
  EXPECT_NE(sync.summary.find("follow dropped"), std::string::npos) << sync.summary;
  const double window = std::stod(sync.summary.substr(sync.summary.find("after ") + 6));
  EXPECT_LT(window, 2.0) << sync.summary;
  std::cout << fmt::format(
                   "[ figures  ] {} writes; cutover window {:.3f} s, final sync with proof {:.2f} s\n",
                   writer.writes.load(), window, wall)
            << "[ summary  ] " << sync.summary << "\n";

  EXPECT_EQ(target.sql("SELECT MAX(id) FROM w", "app"), std::to_string(writer.last.load()));
  expect_identical(source, target);
  EXPECT_EQ(target.sql("SELECT COUNT(*) FROM _rehome.follow"), "0");
  auto verify = m.movers->run(m.item, "verify");
  EXPECT_TRUE(verify.ok) << report(verify);
}

TEST(MoveMariadbSyncReal, ASourceWithoutBinlogIsAWholeVerifiedPassAndSaysWhy) {
  MariadbServer source({.binlog = false}), target;
  fill(source);
  Move m(source, target);
  auto problem = move::mariadb_binlog_problem(m.options, m.item, {});
  ASSERT_TRUE(problem.has_value());
  EXPECT_NE(problem->find("has log_bin off"), std::string::npos) << *problem;
  // The dry run with that probe says so.
  m.options.mariadb_binlog_problem[m.item.slug()] = *problem;
  EXPECT_NE(move::final_sync_method(m.options, m.item).find("because the binlog cannot be used"),
            std::string::npos);

  auto copy = m.movers->run(m.item, "copy");
  ASSERT_TRUE(copy.ok) << report(copy);
  EXPECT_FALSE(copy.follows);
  EXPECT_NE(copy.summary.find("the binlog cannot be used: the source"), std::string::npos) << copy.summary;
  source.sql("INSERT INTO w (v, note) SELECT seq, 'late' FROM seq_1_to_300; DELETE FROM big WHERE id <= 10",
             "app");
  auto sync = m.movers->run(m.item, "final-sync");
  ASSERT_TRUE(sync.ok) << report(sync);
  EXPECT_NE(sync.summary.find("whole pass (no binlog follow of this item"), std::string::npos)
      << sync.summary;
  expect_identical(source, target);
}

}  // namespace
}  // namespace rehome::test
