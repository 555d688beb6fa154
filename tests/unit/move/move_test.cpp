#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/work_lock.hpp"
#include "fixtures.hpp"
#include "model/estate_yaml.hpp"
#include "move/evidence.hpp"
#include "move/final_sync.hpp"
#include "plan/solver.hpp"
#include "support/detached.hpp"
#include "support/paths.hpp"

namespace rehome::move {
namespace {

namespace fs = std::filesystem;

size_t kind_index(const std::string& kind) {
  const auto& k = step_kinds();
  return std::find(k.begin(), k.end(), kind) - k.begin();
}

size_t index_of(const Move& m, const std::string& id) {
  for (size_t i = 0; i < m.steps.size(); ++i)
    if (m.steps[i].id == id) return i;
  ADD_FAILURE() << "no step " << id;
  return 0;
}

// A fresh work folder per test.
struct Work {
  fs::path dir;
  Work() {
    dir = fs::temp_directory_path() / ("rehome-move-unit-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
  }
  ~Work() { fs::remove_all(dir); }
};

// --execute options on a fresh work folder with the fake clock; `yes`: pass the point of no return.
ExecuteOptions options_in(const Work& w, std::int64_t* now, bool yes = true) {
  ExecuteOptions o;
  o.work_dir = w.dir;
  o.yes = yes;
  o.clock = test::fake_clock(now);
  return o;
}

// The shop's move run against fakes in a fresh work folder.
struct ShopRun {
  Work w;
  Move m = test::shop_move();
  test::FakeTransport t;
  test::FakeMovers movers;
  std::int64_t now = 0;
  ExecuteOptions o = options_in(w, &now);
};

TEST(MoveSteps, EveryKindInOrderEveryStepComplete) {
  auto m = test::shop_move();
  ASSERT_FALSE(m.steps.empty());
  size_t last = 0;
  std::set<std::string> kinds, ids;
  for (const auto& s : m.steps) {
    EXPECT_GE(kind_index(s.kind), last) << s.id << " comes after a later kind";
    last = kind_index(s.kind);
    kinds.insert(s.kind);
    EXPECT_TRUE(ids.insert(s.id).second) << "duplicate id " << s.id;
    EXPECT_FALSE(s.what.empty()) << s.id;
    EXPECT_FALSE(s.actions.empty()) << s.id;
    EXPECT_TRUE(!s.rollback.empty() || !s.rollback_note.empty()) << s.id;
  }
  for (const auto& k : step_kinds())
    if (k != "registry") {
      EXPECT_TRUE(kinds.count(k)) << "no " << k << " step";
    }
  EXPECT_TRUE(std::is_sorted(m.steps.begin(), m.steps.end(), [](const auto& a, const auto& b) {
    return a.id.substr(0, 2) < b.id.substr(0, 2);
  }));
}

TEST(MoveSteps, MonitoringDeploysFirstAndWritersAreHeldUntilTheCutover) {
  auto m = test::shop_move();
  const MoveStep* first_deploy = nullptr;
  for (const auto& s : m.steps)
    if (s.kind == "deploy") {
      first_deploy = &s;
      break;
    }
  ASSERT_NE(first_deploy, nullptr);
  EXPECT_EQ(first_deploy->id, "05.deploy.monitoring");
  const MoveStep* production = m.find("05.deploy.production");
  ASSERT_NE(production, nullptr);
  EXPECT_NE(production->actions.front().command.find("shop-api:"), std::string::npos);  // held at 0
  EXPECT_NE(production->actions.back().command.find("holds/production.yml"), std::string::npos);
}

TEST(MoveSteps, AnAppWhoseDataIsAPlainVolumeIsAWriterHeldAndFrozen) {
  // The compose importer gives such an app `data: {engine: files}`; the runbook's phase 3 (data)
  // left it running on both sides through the copy, never frozen.
  auto e = test::shop();
  for (auto& s : e.services)
    if (s.name == "shop-api") s.data = model::DataSpec{.engine = "files"};
  MoveOptions o;
  o.old_server = "old";
  auto m = make_move(e, test::shop_plan(), o);
  EXPECT_NE(std::find(m.writers.begin(), m.writers.end(), "shop-api"), m.writers.end());
  EXPECT_NE(m.find("08.freeze.shop-api"), nullptr);
  const MoveStep* production = m.find("05.deploy.production");
  ASSERT_NE(production, nullptr);
  EXPECT_NE(production->actions.front().command.find("shop-api:"), std::string::npos);  // held at 0
}

TEST(MoveSteps, TheDrillRunsOnTheMovedStackWithAStopCommand) {
  MoveOptions o;
  o.drill_stop_command = "kill -KILL $(cat /run/{server}.pid)";
  o.drill_flags = "--timeout 60s";
  auto m = test::shop_move(o);
  const MoveStep* drill = m.find("15.drill");
  ASSERT_NE(drill, nullptr);
  const auto& cmd = drill->actions.front().command;
  EXPECT_NE(cmd.find("--stop-command 'kill -KILL $(cat /run/{server}.pid)'"), std::string::npos) << cmd;
  EXPECT_NE(cmd.find(" --stack "), std::string::npos) << cmd;
  EXPECT_NE(cmd.find(" --timeout 60s --json >"), std::string::npos) << cmd;
}

TEST(MoveSteps, EveryMoverCopiesThenFinalSyncsThenVerifies) {
  auto m = test::shop_move();
  std::vector<std::string> slugs;
  for (const auto& d : m.data) slugs.push_back(d.slug());
  EXPECT_EQ(slugs, (std::vector<std::string>{"shop-postgres.shop", "shop-postgres.audit", "shop-redis",
                                             "volume.uploads"}));
  for (const auto& slug : slugs) {
    size_t copy = index_of(m, "07.copy." + slug), sync = index_of(m, "09.final-sync." + slug),
           verify = index_of(m, "10.verify." + slug);
    EXPECT_LT(copy, sync);
    EXPECT_LT(sync, verify);
    EXPECT_TRUE(m.steps[copy].actions.front().in_process);
  }
  // --jobs reaches the database movers; the volume's final sync is its incremental pass (same state).
  MoveOptions o;
  o.jobs = 7;
  auto seven = test::shop_move(o);
  EXPECT_NE(seven.find("07.copy.shop-postgres.shop")->actions.front().command.find("--jobs 7"),
            std::string::npos);
  EXPECT_EQ(seven.find("07.copy.volume.uploads")->actions.front().command,
            seven.find("09.final-sync.volume.uploads")->actions.front().command);
  EXPECT_NE(final_sync_method("postgres").find("final_sync_postgres"), std::string::npos);
}

TEST(MovePostgresSync, LogicalWalLevelFollowsAnyOtherIsAWholePassUnprobedIsDecidedAtTheCopy) {
  EXPECT_EQ(choose_postgres_sync(std::string("logical")), PgSync::follow);
  EXPECT_EQ(choose_postgres_sync(std::string("replica")), PgSync::whole_pass);
  EXPECT_EQ(choose_postgres_sync(std::string("minimal")), PgSync::whole_pass);
  EXPECT_EQ(choose_postgres_sync(std::nullopt), PgSync::undecided);
  MoveOptions o;
  o.postgres_wal_level = {{"shop-postgres.shop", "logical"}, {"shop-postgres.audit", "replica"}};
  auto m = test::shop_move(o);
  EXPECT_EQ(postgres_sync(o, *m.find("07.copy.shop-postgres.shop")->data), PgSync::follow);
  EXPECT_EQ(postgres_sync(o, *m.find("07.copy.shop-postgres.audit")->data), PgSync::whole_pass);
  EXPECT_EQ(postgres_sync(o, *m.find("07.copy.shop-redis")->data), PgSync::whole_pass);
  EXPECT_EQ(postgres_sync(MoveOptions{}, *m.find("07.copy.shop-postgres.shop")->data), PgSync::undecided);
}

TEST(MovePostgresSync, TheDryRunSaysWhichMethodEachPostgresItemUses) {
  MoveOptions o;
  o.postgres_wal_level = {{"shop-postgres.shop", "logical"}, {"shop-postgres.audit", "replica"}};
  auto m = test::shop_move(o);
  auto has = [](const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  };
  // Follow: the copy starts it, the final sync is the cutover, the copy's rollback drops the slot.
  const MoveStep& copy = *m.find("07.copy.shop-postgres.shop");
  const MoveStep& sync = *m.find("09.final-sync.shop-postgres.shop");
  EXPECT_TRUE(has(copy.actions.front().command, " --follow")) << copy.actions.front().command;
  EXPECT_TRUE(has(copy.what, "wal_level = logical"));
  EXPECT_TRUE(has(sync.actions.front().command, " --cutover"));
  EXPECT_FALSE(has(sync.actions.front().command, "--truncate"));
  EXPECT_TRUE(has(sync.what, "logical-replication cutover"));
  EXPECT_TRUE(has(sync.what, "slot, publication and subscription dropped"));
  ASSERT_EQ(copy.rollback.size(), 1u);
  EXPECT_TRUE(has(copy.rollback.front().command, "migrate postgres"));
  EXPECT_TRUE(has(copy.rollback.front().command, " --stop-follow"));
  // Not logical: today's whole pass, and the text says why; nothing to drop on rollback.
  const MoveStep& copy2 = *m.find("07.copy.shop-postgres.audit");
  const MoveStep& sync2 = *m.find("09.final-sync.shop-postgres.audit");
  EXPECT_FALSE(has(copy2.actions.front().command, "--follow"));
  EXPECT_TRUE(copy2.rollback.empty());
  EXPECT_TRUE(has(copy2.what, "does not run wal_level = logical"));
  EXPECT_TRUE(has(sync2.actions.front().command, " --truncate"));
  EXPECT_TRUE(has(sync2.what, "a whole verified pass (the source does not run wal_level = logical"));
  // Not probed: the copy decides; the text gives both, the rollback drops a follow if one was made.
  auto unprobed = test::shop_move();
  const MoveStep& sync3 = *unprobed.find("09.final-sync.shop-postgres.shop");
  EXPECT_TRUE(has(sync3.what, "checked when the copy runs"));
  EXPECT_TRUE(has(sync3.what, "else a whole verified pass"));
  EXPECT_TRUE(has(unprobed.find("07.copy.shop-postgres.shop")->rollback.front().command, "--stop-follow"));
  // Other engines are unchanged.
  EXPECT_TRUE(m.find("07.copy.shop-redis")->rollback.empty());
  EXPECT_EQ(final_sync_method("redis", PgSync::follow), "a whole pass, every key compared");
}

TEST(MovePostgresSync, RollingBackTheCopyDropsTheFollow) {
  Work w;
  MoveOptions mo;
  mo.postgres_wal_level = {{"shop-postgres.shop", "logical"}, {"shop-postgres.audit", "logical"}};
  auto m = test::shop_move(mo);
  std::int64_t now = 0;
  auto o = options_in(w, &now);
  test::FakeMovers movers;
  test::FakeTransport t;
  t.fail = "--filter name=edge_traefik";
  std::ostringstream out;
  ASSERT_EQ(execute_move(m, t, movers, o, out), 1);
  EXPECT_NE(out.str().find("--stop-follow"), std::string::npos) << out.str();
  test::FakeTransport undo;
  std::ostringstream rb;
  ASSERT_EQ(rollback_move(m, undo, o, rb), 0) << rb.str();
  int drops = 0;
  for (const auto& c : undo.commands)
    drops += c.find("migrate postgres") != std::string::npos && c.find("--stop-follow") != std::string::npos;
  EXPECT_EQ(drops, 2);
}

TEST(MoveSteps, FreezeThenFinalSyncThenEdgeOldStopsBeforeNewBindsThenWriters) {
  auto m = test::shop_move();
  EXPECT_EQ(m.writers, (std::vector<std::string>{"shop-api"}));
  size_t freeze = index_of(m, "08.freeze.shop-api");
  EXPECT_EQ(m.steps[freeze].freezes, (std::vector<std::string>{"shop-api"}));
  EXPECT_LT(freeze, index_of(m, "09.final-sync.shop-postgres.shop"));
  size_t old_stop = index_of(m, "12.edge.1-old-stop"), new_bind = index_of(m, "12.edge.2-new-bind");
  EXPECT_LT(index_of(m, "10.verify.volume.uploads"), old_stop);
  EXPECT_LT(old_stop, new_bind);
  EXPECT_NE(m.steps[old_stop].actions.front().command.find("com.docker.compose.service=traefik"),
            std::string::npos);
  EXPECT_NE(
      m.steps[new_bind].actions.front().command.find("docker service scale --detach=true edge_traefik=1"),
      std::string::npos);
  // The point of no return is the first step starting new writers, after the edge handover.
  ASSERT_FALSE(m.point_of_no_return.empty());
  EXPECT_EQ(m.find(m.point_of_no_return)->kind, "writers");
  EXPECT_LT(new_bind, index_of(m, m.point_of_no_return));
  const MoveStep* production = m.find("13.writers.production");
  ASSERT_NE(production, nullptr);
  EXPECT_EQ(production->thaws, (std::vector<std::string>{"shop-api"}));
}

TEST(MoveSteps, TheRunnerReachesTheNewDatabasesOnlyDuringTheCopy) {
  MoveOptions o;
  o.runner_address = "10.0.0.9";
  auto m = test::shop_move(o);
  size_t guard = index_of(m, "06.reach.reach-guard.shop-postgres");
  size_t publish = index_of(m, "06.reach.databases");
  EXPECT_LT(guard, publish);
  EXPECT_LT(index_of(m, "06.reach.reach-guard.shop-redis"), publish);
  EXPECT_LT(publish, index_of(m, "07.copy.shop-postgres.shop"));
  // One step sends every database's update, then waits for each: inside the freeze, one restart's time.
  const MoveStep& published = m.steps[publish];
  ASSERT_EQ(published.actions.size(), 2u);
  EXPECT_EQ(published.checks.size(), 2u);
  EXPECT_EQ(published.rollback.size(), 2u);
  for (const auto& a : published.actions) EXPECT_NE(a.command.find("--detach=true"), std::string::npos);
  size_t unpublish = index_of(m, "11.unreach.databases");
  EXPECT_LT(index_of(m, "10.verify.shop-redis"), unpublish);
  EXPECT_EQ(m.steps[unpublish].actions.size(), 2u);
  for (const auto& a : m.steps[unpublish].actions)
    EXPECT_NE(a.command.find("--publish-rm"), std::string::npos);
  EXPECT_LT(unpublish, index_of(m, "11.unreach.unreach-guard.shop-postgres"));
  EXPECT_NE(m.steps[guard].actions.front().command.find("! -s 10.0.0.9 -j DROP"), std::string::npos);
  EXPECT_NE(
      m.find("07.copy.shop-postgres.shop")->actions.front().command.find("SHOP_POSTGRES_NEW_PORT:-15432"),
      std::string::npos);
}

TEST(MoveExecute, RunsEveryStepAndMeasuresTheFreezeWindow) {
  ShopRun r;
  auto& [w, m, t, movers, now, o] = r;
  std::ostringstream out;
  ASSERT_EQ(execute_move(m, t, movers, o, out), 0) << out.str();
  EXPECT_EQ(movers.passes.size(), 3 * m.data.size());
  auto jr = load_journal(o.journal_file());
  for (const auto& s : m.steps) EXPECT_EQ(jr.steps.at(s.id).status, "done") << s.id;
  auto ev = move_evidence_from_json(nlohmann::json::parse(read_file(o.evidence_file())), "move.json");
  EXPECT_EQ(ev.status, "done");
  ASSERT_EQ(ev.downtime.size(), 1u);
  EXPECT_EQ(ev.downtime[0].service, "shop-api");
  EXPECT_EQ(ev.downtime[0].clock, "monotonic");
  EXPECT_GT(ev.downtime[0].window_ms, 0);
  // The window runs from before the stop was sent to after the new writers converged.
  auto f = jr.freezes.at("shop-api");
  EXPECT_EQ(ev.downtime[0].window_ms, f.started_mono - f.stopped_mono);
  EXPECT_TRUE(ev.no_return_passed);
}

TEST(MoveExecute, AServerGivenAnEngineRunsItsCommandsAgainstThatEngine) {
  ShopRun r;
  auto& [w, m, t, movers, now, o] = r;
  o.docker_hosts = {{m.first_manager, "unix:///run/manager.sock"}};
  std::ostringstream out;
  ASSERT_EQ(execute_move(m, t, movers, o, out), 0) << out.str();
  for (size_t i = 0; i < t.commands.size(); ++i)
    EXPECT_EQ(t.docker_hosts[i],
              t.commands[i].rfind(m.first_manager + ": ", 0) == 0 ? "unix:///run/manager.sock" : "")
        << t.commands[i];
}

TEST(MoveExecute, KilledBetweenAnyTwoStepsResumesToTheSameEndWithoutRedoingDoneSteps) {
  auto m = test::shop_move();
  // How many commands a whole run sends.
  size_t total = 0;
  {
    Work w;
    test::FakeTransport t;
    test::FakeMovers movers;
    std::int64_t now = 0;
    auto o = options_in(w, &now);
    std::ostringstream out;
    ASSERT_EQ(execute_move(m, t, movers, o, out), 0);
    total = t.commands.size();
  }
  for (int kill_at : {0, 3, static_cast<int>(total / 2), static_cast<int>(total) - 2}) {
    Work w;
    std::int64_t now = 0;
    auto o = options_in(w, &now);
    test::FakeMovers movers;
    test::FakeTransport killed;
    killed.kill_at = kill_at;
    std::ostringstream out;
    EXPECT_THROW(execute_move(m, killed, movers, o, out), test::Killed);
    auto before = load_journal(o.journal_file());
    size_t done_before = 0;
    for (const auto& [id, e] : before.steps) done_before += e.status == "done";
    test::FakeTransport resumed;
    ASSERT_EQ(execute_move(m, resumed, movers, o, out), 0) << "killed at command " << kill_at;
    auto after = load_journal(o.journal_file());
    for (const auto& s : m.steps) EXPECT_EQ(after.steps.at(s.id).status, "done");
    // Done steps were not run again: the two runs sent at most one step's commands twice.
    EXPECT_LE(killed.commands.size() + resumed.commands.size(), total + 8) << "killed at " << kill_at;
    if (done_before > 0) {
      EXPECT_LT(resumed.commands.size(), total);
      EXPECT_NE(out.str().find("already done"), std::string::npos);
    }
  }
}

// A run killed mid-command leaves the command running; the next run ends it before it starts its own,
// and tags its commands anew.
TEST(MoveExecute, AResumeEndsTheCommandsAKilledRunLeftRunning) {
  ShopRun r;
  auto& [w, m, t, movers, now, o] = r;
  t.kill_at = 5;
  std::ostringstream first;
  EXPECT_THROW(execute_move(m, t, movers, o, first), test::Killed);
  const std::string tag = load_journal(o.journal_file()).run_tag;
  ASSERT_FALSE(tag.empty());
  EXPECT_EQ(t.run_tags, std::vector<std::string>(t.run_tags.size(), tag));
  // The killed run's `docker stack deploy`, still running.
  const int pid = rehome::test::start_detached("exec sleep 300", {{runbook::kRunTagVariable, tag}});
  t = test::FakeTransport();
  std::ostringstream again;
  ASSERT_EQ(execute_move(m, t, movers, o, again), 0) << again.str();
  EXPECT_NE(again.str().find(fmt::format(
                "Ended 1 command process(es) an earlier run of this move left running (pid {})", pid)),
            std::string::npos)
      << again.str();
  EXPECT_FALSE(std::filesystem::exists(fmt::format("/proc/{}/cmdline", pid)) &&
               read_file(fmt::format("/proc/{}/cmdline", pid)).rfind("sleep", 0) == 0);
  ASSERT_FALSE(t.run_tags.empty());
  EXPECT_NE(t.run_tags.front(), tag);
  EXPECT_EQ(load_journal(o.journal_file()).run_tag, t.run_tags.front());
}

TEST(MoveExecute, ASecondRunOnTheSameWorkFolderIsRefused) {
  ShopRun r;
  auto& [w, m, t, movers, now, o] = r;
  WorkLock running(o.journal_file().string() + ".lock", "test");
  std::ostringstream out;
  try {
    execute_move(m, t, movers, o, out);
    FAIL() << "ran beside another run";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("another rehome move --execute or --rollback is running"),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(t.commands.empty());
}

TEST(MoveExecute, AFreezeKeepsItsStartAcrossAKill) {
  Work w;
  auto m = test::shop_move();
  std::int64_t now = 0;
  auto o = options_in(w, &now);
  test::FakeMovers movers;
  test::FakeTransport killed;
  killed.fail = "com.docker.compose.service=shop-api";  // the old writer's stop fails once
  std::ostringstream out;
  EXPECT_EQ(execute_move(m, killed, movers, o, out), 1);
  auto first = load_journal(o.journal_file()).freezes.at("shop-api");
  EXPECT_GE(first.stopped_mono, 0);
  test::FakeTransport ok;
  ASSERT_EQ(execute_move(m, ok, movers, o, out), 0);
  auto f = load_journal(o.journal_file()).freezes.at("shop-api");
  EXPECT_EQ(f.stopped_mono, first.stopped_mono);  // measured from the first attempt to stop
  EXPECT_GT(f.started_mono, f.stopped_mono);
}

// Issue 22 item 1: the journal keeps each step's digest; a move whose done steps would now run other
// commands (the estate, plan or options changed) is neither resumed nor rolled back; a step that failed
// runs again as it is now.
TEST(MoveExecute, AResumeWithOtherCommandsForDoneStepsIsRefusedNamingThem) {
  Work w;
  const auto m = test::shop_move();
  std::int64_t now = 0;
  auto o = options_in(w, &now);
  test::FakeMovers movers;
  test::FakeTransport stops;
  stops.fail = "com.docker.compose.service=shop-api";  // stops at the freeze, the steps before it done
  std::ostringstream out;
  ASSERT_EQ(execute_move(m, stops, movers, o, out), 1);
  const auto jr = load_journal(o.journal_file());
  const MoveStep* done = nullptr;
  const MoveStep* failed = nullptr;
  for (const auto& s : m.steps) {
    if (!jr.steps.contains(s.id)) continue;  // not reached
    const auto& e = jr.steps.at(s.id);
    if (e.status == "done" && !s.actions.empty() && !s.actions.front().in_process && done == nullptr)
      done = &s;
    if (e.status == "failed") failed = &s;
    if (e.status == "done") {
      EXPECT_EQ(e.digest, step_digest(s)) << s.id;
    }
  }
  ASSERT_NE(done, nullptr);
  ASSERT_NE(failed, nullptr);

  auto step_in = [](Move& move, const std::string& id) -> MoveStep& {
    for (auto& s : move.steps)
      if (s.id == id) return s;
    throw std::runtime_error("no step " + id);
  };
  auto changed = m;
  step_in(changed, done->id).actions.front().command += " --other";
  test::FakeTransport t;
  try {
    execute_move(changed, t, movers, o, out);
    ADD_FAILURE() << "resumed with other commands";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(done->id + " (its commands differ)"), std::string::npos) << e.what();
    EXPECT_NE(e.hint().find("--work-dir"), std::string::npos);
  }
  EXPECT_TRUE(t.commands.empty()) << "nothing ran";
  EXPECT_THROW(rollback_move(changed, t, o, out), UserError);
  EXPECT_TRUE(t.commands.empty()) << "nothing was undone";

  auto fixed = m;  // the failed step changed (the cause fixed in the estate): it runs as it is now
  step_in(fixed, failed->id).actions.front().command += " --fixed";
  test::FakeTransport ok;
  ASSERT_EQ(execute_move(fixed, ok, movers, o, out), 0) << out.str();
  EXPECT_EQ(load_journal(o.journal_file()).steps.at(failed->id).digest, step_digest(*fixed.find(failed->id)));
}

TEST(MoveExecute, ThePointOfNoReturnIsNotPassedWithoutConfirmation) {
  Work w;
  auto m = test::shop_move();
  std::int64_t now = 0;
  auto o = options_in(w, &now, false);
  std::string asked;
  o.confirm = [&](const std::string& q) {
    asked = q;
    return false;
  };
  test::FakeTransport t;
  test::FakeMovers movers;
  std::ostringstream out;
  EXPECT_EQ(execute_move(m, t, movers, o, out), 1);
  EXPECT_NE(asked.find("POINT OF NO RETURN"), std::string::npos);
  auto jr = load_journal(o.journal_file());
  EXPECT_FALSE(jr.no_return_passed);
  EXPECT_EQ(jr.steps.count(m.point_of_no_return), 0u);  // never started
  EXPECT_EQ(jr.steps.at("12.edge.2-new-bind").status, "done");
  // Answered yes: it goes on.
  o.confirm = [](const std::string&) { return true; };
  EXPECT_EQ(execute_move(m, t, movers, o, out), 0);
  // Past it, a rollback is refused.
  std::ostringstream rb;
  EXPECT_EQ(rollback_move(m, t, o, rb), 1);
  EXPECT_NE(rb.str().find("point of no return"), std::string::npos);
}

TEST(MoveRollback, UndoesNewestFirstTheNewEdgeBeforeTheOldProxyStartsAgain) {
  Work w;
  auto m = test::shop_move();
  std::int64_t now = 0;
  auto o = options_in(w, &now);
  test::FakeMovers movers;
  test::FakeTransport t;
  t.fail = "--filter name=edge_traefik";  // the new edge does not come up (its check fails)
  std::ostringstream out;
  ASSERT_EQ(execute_move(m, t, movers, o, out), 1);
  EXPECT_NE(out.str().find("--rollback"), std::string::npos);
  auto order = rollback_order(m, load_journal(o.journal_file()));
  ASSERT_GE(order.size(), 3u);
  EXPECT_EQ(order[0], "12.edge.2-new-bind");
  EXPECT_EQ(order[1], "12.edge.1-old-stop");
  EXPECT_EQ(order.back(), "01.plan");
  test::FakeTransport undo;
  std::ostringstream rb;
  ASSERT_EQ(rollback_move(m, undo, o, rb), 0) << rb.str();
  ASSERT_GE(undo.commands.size(), 3u);
  EXPECT_NE(undo.commands[0].find("edge_traefik=0"), std::string::npos);
  EXPECT_NE(undo.commands[1].find("com.docker.compose.service=traefik"), std::string::npos);
  EXPECT_NE(undo.commands[1].find(" start "), std::string::npos);
  size_t old_writer = 0, unpublish = 0;
  for (size_t i = 0; i < undo.commands.size(); ++i) {
    if (undo.commands[i].find("compose.service=shop-api") != std::string::npos) old_writer = i;
    if (undo.commands[i].find("--publish-rm published=15432") != std::string::npos) unpublish = i;
  }
  EXPECT_GT(unpublish, old_writer);  // the old writers start before the copy's ports close
  auto jr = load_journal(o.journal_file());
  EXPECT_EQ(jr.steps.at("08.freeze.shop-api").status, "rolled-back");
  EXPECT_EQ(move_evidence_from_json(nlohmann::json::parse(read_file(o.evidence_file())), "m").status,
            "rolled-back");
}

TEST(MoveEvidence, RoundTripsAndRefusesAnotherKind) {
  MoveEvidence e;
  e.estate = "shop";
  e.status = "done";
  e.total_ms = 5000;
  e.downtime = {{"shop-api", 1234, "monotonic"}, {"shop-web", -1, ""}};
  e.steps = {{"01.plan", "plan", "done", "", 10}};
  auto back = move_evidence_from_json(to_json(e), "move.json");
  EXPECT_EQ(to_json(back), to_json(e));
  EXPECT_EQ(to_json(e)["kind"], "rehome.move");
  EXPECT_EQ(to_json(e)["format"], 1);
  EXPECT_THROW(move_evidence_from_json({{"kind", "rehome.phases"}}, "x.json"), UserError);
}

TEST(MoveJournal, MalformedJournalIsAUserErrorNamingTheFile) {
  Work w;
  fs::create_directories(w.dir);
  std::ofstream(w.dir / "journal.json") << "{\"kind\": \"rehome.move-journal\", \"steps\": 3}";
  try {
    load_journal(w.dir / "journal.json");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("journal.json"), std::string::npos);
  }
}

TEST(MoveJournal, AFreezeAcrossARebootIsMeasuredOnTheWallClock) {
  FreezeEntry f{100, 50, 1000, 4000, "boot-1", "boot-2"};
  std::string clock;
  EXPECT_EQ(freeze_window_ms(f, &clock), 3000);
  EXPECT_EQ(clock, "wall clock (rebooted)");
}

TEST(MoveExpand, ExpandsLikeTheShell) {
  runbook::Env env{{"A_USER", "app"}, {"A_PASSWORD", "s3cret"}};
  EXPECT_EQ(expand_variables(
                "postgres://${A_USER:-postgres}${A_PASSWORD:+:$A_PASSWORD}@${A_HOST:-10.0.0.1}:5432/db", env),
            "postgres://app:s3cret@10.0.0.1:5432/db");
  EXPECT_EQ(expand_variables("redis://${B_PASSWORD:+:$B_PASSWORD@}h:1", env), "redis://h:1");
}

TEST(MoveDryRun, TheSeedsEstatePrintsEveryStepAndCommandInOrder) {
  auto estate = model::load_estate(rehome::test::example("wizardsofts/estate.yaml"));
  MoveOptions o;
  auto m = make_move(estate, plan::make_plan(estate), o);
  auto text = render_plan(m, {});
  // Long commands are wrapped on their own lines: compared without whitespace, every one is there, in
  // order; no line is wider than 160 columns.
  auto squeeze = [](std::string s) {
    std::erase_if(s, [](char ch) { return ch == ' ' || ch == '\n'; });
    return s;
  };
  const std::string flat = squeeze(text);
  size_t at = 0;
  for (const auto& s : m.steps) {
    auto pos = flat.find(squeeze(s.id), at);
    ASSERT_NE(pos, std::string::npos) << s.id << " missing or out of order";
    at = pos;
    for (const auto& a : s.actions) EXPECT_NE(flat.find(squeeze(a.command), pos), std::string::npos) << s.id;
  }
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 160u) << line;
  EXPECT_NE(text.find("POINT OF NO RETURN"), std::string::npos);
  EXPECT_NE(text.find("Point of no return: " + m.point_of_no_return), std::string::npos);
  // A password only through an engine's variable from the credentials file, never in a URL in argv.
  EXPECT_FALSE(std::regex_search(text, std::regex(R"(PASSWORD=(?!"\$\{))"))) << text;
  EXPECT_EQ(text.find("_PASSWORD:+:"), std::string::npos);
  auto j = to_json(m, {});
  EXPECT_EQ(j["steps"].size(), m.steps.size());
  // Monitoring first among the services; the mariadb, postgres and redis movers and volumes all appear.
  std::set<std::string> engines;
  for (const auto& d : m.data) engines.insert(d.engine);
  EXPECT_TRUE(engines.count("postgres") && engines.count("redis") && engines.count("mariadb"));
  for (const auto& s : m.steps)
    if (s.kind == "deploy") {
      EXPECT_EQ(s.id, "05.deploy.monitoring");
      break;
    }
}

}  // namespace
}  // namespace rehome::move
