// kill -9 of rehome migrate postgres at several moments, then the same command again: it resumes and
// ends verified, with every table identical to the source.
#include <gtest/gtest.h>

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

  // Kills the copy at `pause_at`, runs the same command again, and checks the result.
  void kill_then_resume(const std::string& pause_at) {
    PostgresServer target;
    target.create_database("app");
    TempDir dir;
    std::vector<std::string> args = {"migrate",
                                     "postgres",
                                     "--from",
                                     source_->url("app"),
                                     "--to",
                                     target.url("app"),
                                     "--jobs",
                                     "2",
                                     "--state=" + (dir.path / "state.json").string()};
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
