#include <filesystem>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "fixtures.hpp"
#include "runbook/executor.hpp"
#include "support/detached.hpp"

namespace rehome::runbook {
namespace {

// Records what would run; fails the commands (or verifications) it is told to.
class ScriptedTransport : public Transport {
 public:
  std::vector<std::string> ran;
  std::set<std::string> failing;  // substrings of scripts that fail
  std::vector<std::string> tags;  // the run's tag each command was given
  ProcessResult run(const std::string&, const std::string& script, const Env& env,
                    std::chrono::milliseconds) override {
    ran.push_back(script);
    tags.push_back(env.count(kRunTagVariable) ? env.at(kRunTagVariable) : "");
    for (const auto& f : failing)
      if (script.find(f) != std::string::npos) return {.exit_code = 1, .err = "boom password=hunter2"};
    return {.exit_code = 0, .out = "ok"};
  }
  std::string name() const override { return "scripted"; }
};

class Executor : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("rehome-exec-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    options.execute = true;
    options.state_file = dir / "state.json";
    options.evidence_dir = dir / "evidence";
    options.now_ms = [this] { return now; };
    RunbookOptions ro;
    ro.old_server = "old";
    rb = make_runbook(test::small_estate(), test::small_plan(), ro);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  std::filesystem::path dir;
  RunOptions options;
  Runbook rb;
  std::int64_t now = 1'700'000'000'000;
  std::ostringstream out;
};

TEST_F(Executor, RunsPhasesInOrderAndRecordsTimings) {
  ScriptedTransport t;
  options.to_phase = 6;
  auto outcome = run_runbook(rb, t, options, out);
  EXPECT_EQ(outcome.exit_code, 0) << out.str();
  auto state = load_state(options.state_file);
  for (int p = 0; p <= 6; ++p) EXPECT_EQ(state.phases[p].status, "done") << p;
  EXPECT_FALSE(state.phases.count(7));
  EXPECT_TRUE(std::filesystem::exists(options.evidence_dir / "phases.json"));
  EXPECT_EQ(state.steps["0.tools"].status, StepStatus::done);
}

TEST_F(Executor, StopsAtTheFirstFailedVerificationAndPrintsTheRollback) {
  ScriptedTransport t;
  t.failing = {"md5"};  // the postgres content comparison
  auto outcome = run_runbook(rb, t, options, out);
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_EQ(outcome.stopped_at, "3.migrate.shop-postgres.shop");
  EXPECT_NE(out.str().find("Roll back"), std::string::npos);
  EXPECT_NE(out.str().find("DROP DATABASE"), std::string::npos);
  EXPECT_EQ(out.str().find("hunter2"), std::string::npos) << "secrets in output are masked";
  auto state = load_state(options.state_file);
  EXPECT_EQ(state.phases[3].status, "failed");
  EXPECT_FALSE(state.phases.count(4));
}

TEST_F(Executor, ResumesWithoutRerunningDoneSteps) {
  ScriptedTransport first;
  first.failing = {"md5"};
  run_runbook(rb, first, options, out);
  ScriptedTransport second;
  options.to_phase = 6;
  auto outcome = run_runbook(rb, second, options, out);
  EXPECT_EQ(outcome.exit_code, 0);
  for (const auto& script : second.ran)  // phase 0's backup is done: not run again
    EXPECT_EQ(script.find("shop-postgres.shop.dump"), std::string::npos) << script;
  EXPECT_NE(out.str().find("already done"), std::string::npos);
}

TEST_F(Executor, AStepInterruptedWhileRunningIsRunAgain) {
  RunState st;
  st.estate = "shop";
  st.steps["0.tools"] = {.status = StepStatus::running, .command_digest = digest(*rb.find_step("0.tools"))};
  save_state(options.state_file, st);
  ScriptedTransport t;
  options.to_phase = 0;
  run_runbook(rb, t, options, out);
  EXPECT_NE(out.str().find("was interrupted"), std::string::npos);
  EXPECT_EQ(load_state(options.state_file).steps["0.tools"].attempts, 1);
}

// `rehome runbook --execute` killed while `rehome migrate postgres` ran: the migration lives on; the
// resumed run ends it first (it would write the same state file), then tags its own commands anew.
TEST_F(Executor, AResumeEndsWhatTheKilledRunLeftRunning) {
  RunState st;
  st.estate = "shop";
  st.run_tag = "killedrun0000001";
  save_state(options.state_file, st);
  const int pid = rehome::test::start_detached("exec sleep 300", {{kRunTagVariable, st.run_tag}});
  ScriptedTransport t;
  options.to_phase = 0;
  run_runbook(rb, t, options, out);
  EXPECT_NE(out.str().find(fmt::format("Ended 1 command process(es) an earlier run of this runbook left "
                                       "running (pid {})",
                                       pid)),
            std::string::npos)
      << out.str();
  const auto tag = load_state(options.state_file).run_tag;
  EXPECT_FALSE(tag.empty());
  EXPECT_NE(tag, st.run_tag);
  EXPECT_EQ(t.tags, std::vector<std::string>(t.ran.size(), tag));
}

TEST_F(Executor, CleanupIsRefusedInsideTheWindowUnlessForced) {
  ScriptedTransport t;
  options.to_phase = 6;
  run_runbook(rb, t, options, out);
  options.from_phase = 7;
  options.to_phase = 7;
  now += 3600 * 1000;  // one hour later
  auto refused = run_runbook(rb, t, options, out);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(out.str().find("verification window"), std::string::npos);
  now += 72LL * 3600 * 1000;
  EXPECT_EQ(run_runbook(rb, t, options, out).exit_code, 0) << out.str();
}

TEST_F(Executor, ForceRunsCleanupEarly) {
  ScriptedTransport t;
  options.to_phase = 6;
  run_runbook(rb, t, options, out);
  options.from_phase = 7;
  options.to_phase = 7;
  options.force = true;
  EXPECT_EQ(run_runbook(rb, t, options, out).exit_code, 0);
}

TEST_F(Executor, SkippedPhasesAreRecorded) {
  ScriptedTransport t;
  options.to_phase = 2;
  options.skip_phases = {1};
  run_runbook(rb, t, options, out);
  EXPECT_EQ(load_state(options.state_file).phases[1].status, "skipped");
  for (const auto& s : t.ran) EXPECT_EQ(s.find("firewall"), std::string::npos);
}

TEST_F(Executor, DryRunPrintsEveryCommand) {
  std::ostringstream dry;
  print_plan(rb, options, {}, dry);
  for (const auto* s : rb.steps()) EXPECT_NE(dry.str().find(s->command), std::string::npos) << s->id;
}

TEST_F(Executor, StateOfAnotherEstateIsRefused) {
  RunState st;
  st.estate = "other";
  save_state(options.state_file, st);
  ScriptedTransport t;
  EXPECT_THROW(run_runbook(rb, t, options, out), UserError);
}

}  // namespace
}  // namespace rehome::runbook
