// kill -9 of rehome migrate postgres at several moments, then the same command again: it resumes and
// ends verified, with every table identical to the source.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"
#include "migrate_fixture.hpp"

using namespace rehome::test;

namespace {

class MigrateResume : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    source_ = new PostgresServer();
    source_->create_database("app");
    fill_source(*source_, "app", 250000);  // public.big: ~35 MB, split into block ranges
  }
  static void TearDownTestSuite() {
    delete source_;
    source_ = nullptr;
  }

  // `rehome migrate postgres` from the source into database app of `target`, its state in `dir`.
  static std::vector<std::string> migrate_args(const PostgresServer& target, const TempDir& dir) {
    return {"migrate",
            "postgres",
            "--from",
            source_->url("app"),
            "--to",
            target.url("app"),
            "--jobs",
            "2",
            "--state=" + (dir.path / "state.json").string()};
  }

  // Kills the copy at `pause_at`, runs the same command again, and checks the result.
  void kill_then_resume(const std::string& pause_at) {
    PostgresServer target;
    target.create_database("app");
    TempDir dir;
    std::vector<std::string> args = migrate_args(target, dir);
    run_rehome_and_kill_at(args, pause_at);
    auto state = nlohmann::json::parse(rehome::read_file(dir.path / "state.json"));
    EXPECT_FALSE(state["steps"]["verify"].get<bool>());

    args.push_back("--json");
    auto run = run_rehome(args);
    ASSERT_EQ(run.exit_code, 0) << run.output;
    auto report = nlohmann::json::parse(run.output.substr(run.output.find("\n{") + 1));
    EXPECT_TRUE(report["resumed"].get<bool>());
    EXPECT_TRUE(report["verified"].get<bool>());
    EXPECT_EQ(table_fingerprints(*source_, "app"), table_fingerprints(target, "app"));
    EXPECT_EQ(
        target.psql("SELECT count(*) FROM pg_indexes WHERE indexname IN ('big_grp_idx', 'big_pkey')", "app"),
        "2");
    units_ = state["units"];
  }

  static PostgresServer* source_;
  nlohmann::json units_;
};

PostgresServer* MigrateResume::source_ = nullptr;

}  // namespace

TEST_F(MigrateResume, KilledMidTableInABlockRange) {
  kill_then_resume("copy:public.big#2");
  int ranges = 0;
  for (const auto& u : units_) ranges += u["table"] == "big" ? 1 : 0;
  EXPECT_GE(ranges, 2) << units_.dump(1);
}

TEST_F(MigrateResume, KilledBetweenTables) { kill_then_resume("between:public.orders"); }

TEST_F(MigrateResume, KilledDuringIndexBuild) { kill_then_resume("index:big_grp_idx"); }

// Found by the kill campaign (tests/real/faults): a run killed during the schema step leaves the
// server running the schema transaction it was sent, COMMIT included. Here it waits on a lock held by
// the test, the run is killed, the same command starts again and waits behind it; then the lock goes,
// the dead run's transaction commits and the second run's CREATEs collide with it. The second run
// must see that the schema is there (the bookkeeping table came with it) and finish, not stop at
// "already exists".
TEST_F(MigrateResume, KilledWhileTheServerStillRunsTheSchemaTransaction) {
  PostgresServer target;
  target.create_database("app");
  TempDir dir;
  std::vector<std::string> args = migrate_args(target, dir);
  PGconn* holder = PQconnectdb(target.url("app").c_str());
  ASSERT_EQ(PQstatus(holder), CONNECTION_OK) << PQerrorMessage(holder);
  PQclear(PQexec(holder, "BEGIN; CREATE TYPE public.order_status AS ENUM ('held')"));
  auto lock_waiters = [&] {
    return std::stoi(target.psql(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = 'app' AND wait_event_type = 'Lock'", "app"));
  };
  auto throttle = [] { std::this_thread::sleep_for(std::chrono::milliseconds(100)); };
  KilledRun killed = run_rehome_and_kill_when(args, [&] { return throttle(), lock_waiters() >= 1; });
  ASSERT_TRUE(killed.killed) << killed.output;

  args.push_back("--json");
  RehomeRun resumed;
  std::thread second([&] { resumed = run_rehome(args); });
  for (int i = 0; i < 600 && lock_waiters() < 2; ++i) throttle();
  PQclear(PQexec(holder, "ROLLBACK"));
  PQfinish(holder);
  second.join();
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  auto report = nlohmann::json::parse(resumed.output.substr(resumed.output.find("\n{") + 1));
  EXPECT_TRUE(report["verified"].get<bool>());
  EXPECT_EQ(table_fingerprints(*source_, "app"), table_fingerprints(target, "app"));
}
