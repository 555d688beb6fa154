// The rule binding a mover's resume state to its target: state x target trace -> resume, complete,
// restart (stale, target empty or --truncate), refuse (stale, target holds data).
#include <gtest/gtest.h>

#include "migrate/resume_decision.hpp"

using namespace rehome::migrate;

namespace {

ResumeState state(const std::string& run, bool written = true, bool verified = false) {
  return {.present = true,
          .run_id = run,
          .source_system = "7001",
          .target_written = written,
          .verified = verified};
}

ResumeAction act(const ResumeState& s, const TargetTrace& t, bool empty = false, bool truncate = false,
                 const std::string& source = "7001") {
  return decide_resume(s, t, source, empty, truncate).action;
}

}  // namespace

TEST(ResumeDecision, NoStateIsAFreshRun) {
  EXPECT_EQ(act({}, {}), ResumeAction::fresh);
  EXPECT_EQ(act({}, {.run_id = "r1", .finished = true}), ResumeAction::fresh);  // emptiness check decides
}

// Issue 22 item 1: the work folder lost, the target records a finished run of this very source: the
// migration is done, proven again ("already complete"), not refused as "not empty".
TEST(ResumeDecision, NoStateButAFinishedRunOfTheSameSourceIsComplete) {
  EXPECT_EQ(act({}, {.run_id = "r1", .finished = true, .source_system = "7001"}), ResumeAction::complete);
  // Not finished (a run killed mid-way, its state lost): the emptiness check decides.
  EXPECT_EQ(act({}, {.run_id = "r1", .finished = false, .source_system = "7001"}), ResumeAction::fresh);
  // Another source, or one that cannot be identified: not this migration.
  EXPECT_EQ(act({}, {.run_id = "r1", .finished = true, .source_system = "7002"}), ResumeAction::fresh);
  EXPECT_EQ(act({}, {.run_id = "r1", .finished = true, .source_system = "7001"}, false, false, ""),
            ResumeAction::fresh);
  // --truncate: start over.
  EXPECT_EQ(act({}, {.run_id = "r1", .finished = true, .source_system = "7001"}, false, true),
            ResumeAction::fresh);
}

TEST(ResumeDecision, SameRunResumesOrIsComplete) {
  EXPECT_EQ(act(state("r1"), {.run_id = "r1"}), ResumeAction::resume);
  EXPECT_EQ(act(state("r1", true, true), {.run_id = "r1", .finished = true}), ResumeAction::complete);
  // Killed after the target recorded the end but before the state file did.
  EXPECT_EQ(act(state("r1"), {.run_id = "r1", .finished = true}), ResumeAction::complete);
  // The state says verified, the target agrees on the run: verified again.
  EXPECT_EQ(act(state("r1", true, true), {.run_id = "r1"}), ResumeAction::complete);
}

TEST(ResumeDecision, TargetWithoutTraceIsStale) {
  // The case: finished run, target dropped and recreated empty.
  auto d = decide_resume(state("r1", true, true), {}, "7001", true, false);
  EXPECT_EQ(d.action, ResumeAction::restart);
  EXPECT_NE(d.why.find("no trace of its run r1"), std::string::npos) << d.why;
  EXPECT_EQ(act(state("r1"), {}, /*empty=*/false), ResumeAction::refuse);
  EXPECT_EQ(act(state("r1"), {}, false, /*truncate=*/true), ResumeAction::restart);
}

TEST(ResumeDecision, AnotherRunsTraceIsStale) {
  auto d = decide_resume(state("r1"), {.run_id = "r2", .finished = true}, "7001", false, false);
  EXPECT_EQ(d.action, ResumeAction::refuse);
  EXPECT_NE(d.why.find("another run (r2)"), std::string::npos) << d.why;
  EXPECT_EQ(act(state("r1"), {.run_id = "r2"}, true), ResumeAction::restart);
  EXPECT_EQ(act(state("r1"), {.run_id = "r2"}, false, true), ResumeAction::restart);
}

TEST(ResumeDecision, AnotherSourceServerIsStaleEvenWithTheSameRun) {
  auto d = decide_resume(state("r1"), {.run_id = "r1"}, "9999", false, false);
  EXPECT_EQ(d.action, ResumeAction::refuse);
  EXPECT_NE(d.why.find("another server"), std::string::npos) << d.why;
  EXPECT_EQ(act(state("r1"), {.run_id = "r1"}, false, true, "9999"), ResumeAction::restart);
  // Unknown on either side: not compared.
  EXPECT_EQ(act(state("r1"), {.run_id = "r1"}, false, false, ""), ResumeAction::resume);
}

TEST(ResumeDecision, AStateThatNeverWroteIsAFreshRun) {
  EXPECT_EQ(act(state("r1", false), {}), ResumeAction::fresh);
  // ...but not when the target carries another run.
  EXPECT_EQ(act(state("r1", false), {.run_id = "r2"}), ResumeAction::refuse);
}

TEST(ResumeDecision, AnOldStateWithoutRunIdIsStale) {
  auto d = decide_resume(state(""), {}, "7001", true, false);
  EXPECT_EQ(d.action, ResumeAction::restart);
  EXPECT_NE(d.why.find("older rehome"), std::string::npos) << d.why;
  EXPECT_EQ(act(state(""), {}, false), ResumeAction::refuse);
}
