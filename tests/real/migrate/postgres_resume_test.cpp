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
// the test, the run is killed, and the same command starts again. It must not decide anything while that
// transaction may still commit (the campaign later found a re-run that read no run record, started over
// and then met the dead run's types): it ends the dead run's session first, says so, waits behind the
// test's lock with its own schema, and finishes. (Its schema step still copes with a collision: the
// bookkeeping table tells whether another's schema transaction committed.)
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

  // The killed run's session, still waiting to run its schema for nobody.
  const std::string killed_pid = target.psql(
      "SELECT pid FROM pg_stat_activity WHERE datname = 'app' AND wait_event_type = 'Lock'", "app");
  args.push_back("--json");
  RehomeRun resumed;
  std::thread second([&] { resumed = run_rehome(args); });
  // The re-run ends it before it reads the target, then its own schema waits on the holder.
  auto killed_gone_and_resume_waits = [&] {
    return target.psql("SELECT count(*) FROM pg_stat_activity WHERE pid = " + killed_pid, "app") == "0" &&
           lock_waiters() >= 1;
  };
  for (int i = 0; i < 600 && !killed_gone_and_resume_waits(); ++i) throttle();
  EXPECT_TRUE(killed_gone_and_resume_waits());
  PQclear(PQexec(holder, "ROLLBACK"));
  PQfinish(holder);
  second.join();
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("ended 1 session(s) an earlier run left on the target: " + killed_pid),
            std::string::npos)
      << resumed.output;
  auto report = nlohmann::json::parse(resumed.output.substr(resumed.output.find("\n{") + 1));
  EXPECT_TRUE(report["verified"].get<bool>());
  EXPECT_EQ(table_fingerprints(*source_, "app"), table_fingerprints(target, "app"));
}
