// The cutover of `rehome move --execute` on real engines, the smallest setup that carries data: an
// "old host" dockerd running a compose-labelled writer with a named volume, a second dockerd as the
// new server. The move's own copy, freeze, final-sync and verify steps (made by make_move from an
// estate, run by the executor with the real movers) copy the volume while the writer writes, stop
// the writer through the old engine's API, send only what changed, and prove both sides equal; the
// new writer then starts on the new engine and the freeze window is measured. Killed (an exception
// thrown by the transport, the journal as saved) after the freeze and resumed, the same end state.
// Checked independently of rehome: sha256sum of every file in both volumes' folders on disk.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"
#include "common/process.hpp"
#include "move/evidence.hpp"
#include "move/executor.hpp"
#include "real/harness/dockerd.hpp"
#include "real/harness/probe_image.hpp"
#include "runbook/transport.hpp"
#include "support/estate_builder.hpp"

namespace rehome::test {
namespace {

namespace fs = std::filesystem;

std::string sh(const std::string& script) {
  auto r = run_process({"bash", "-c", script});
  EXPECT_TRUE(r.ok()) << script << "\n" << r.err;
  return r.out;
}

std::string sums(const fs::path& d) {
  return sh(fmt::format("cd '{}' && find . -type f -print0 | sort -z | xargs -0 sha256sum", d.string()));
}

// Kills the run (as kill -9 would: nothing after it runs) on the first command containing `at`.
struct Killed {};
class KillingTransport : public runbook::LocalTransport {
 public:
  std::string at;
  bool killed = false;
  ProcessResult run(const std::string& host, const std::string& script, const runbook::Env& env,
                    std::chrono::milliseconds timeout) override {
    if (!at.empty() && !killed && script.find(at) != std::string::npos) {
      killed = true;
      throw Killed{};
    }
    return LocalTransport::run(host, script, env, timeout);
  }
};

TEST(MoveCutover, CopiesWhileTheOldWriterWritesFreezesSyncsWhatChangedVerifiesAndMeasuresTheWindow) {
  DockerEngine old_engine({.name = "move-old"}), new_engine({.name = "move-new"});
  build_probe_image(old_engine);
  build_probe_image(new_engine);
  // The old host's compose service `app`, writing to its volume `shop_data`.
  old_engine.docker_ok({"volume", "create", "shop_data"});
  old_engine.docker_ok({"run", "-d", "--name", "shop-app-1", "--label", "com.docker.compose.project=shop",
                        "--label", "com.docker.compose.service=app", "-v", "shop_data:/data", kProbeImage});
  auto src = old_engine.volume_data("shop_data");
  sh(fmt::format("cd '{}' && for i in $(seq 1 200); do head -c 20000 /dev/urandom > f$i; done",
                 src.string()));

  auto estate =
      test::estate("shop", {test::server("old", 8 * model::GiB), test::server("new", 8 * model::GiB)}, {});
  auto app = test::service("app", 0);
  app.image = kProbeImage;
  app.stack = "shop";
  app.resources = {};
  app.volumes = {{.name = "shop_data", .target = "/data"}};
  estate.services = {app};
  plan::Plan plan;
  plan.estate_name = "shop";
  plan.assignments = {{"app", 0, "new"}};

  auto work = fs::temp_directory_path() / fmt::format("rehome-move-real-{}", ::getpid());
  fs::remove_all(work);
  move::MoveOptions mo;
  mo.old_server = "old";
  mo.old_engine = old_engine.host();
  mo.compose_project = "shop";
  mo.work_dir = work.string();
  mo.engines = {{"new", new_engine.host()}};
  auto full = move::make_move(estate, plan, mo);
  ASSERT_EQ(full.writers, (std::vector<std::string>{"app"}));
  ASSERT_EQ(full.data.size(), 1u);
  EXPECT_EQ(full.data[0].to_url, new_engine.host() + " shop_shop_data");

  // The cutover part of the move as make_move wrote it; the new writer is a container on the new engine
  // (no Swarm here), started like the writers step, and it ends the freeze.
  move::Move m = full;
  m.steps.clear();
  for (const auto& s : full.steps)
    if (s.kind == "copy" || s.kind == "freeze" || s.kind == "final-sync" || s.kind == "verify")
      m.steps.push_back(s);
  move::MoveStep writer;
  writer.id = "13.writers.shop";
  writer.kind = "writers";
  writer.title = "start shop";
  writer.what = "the new writer";
  writer.actions = {{"", fmt::format("docker --host {} run -d --name app -v shop_shop_data:/data {}",
                                     new_engine.host(), kProbeImage)}};
  writer.checks = {
      {"", fmt::format("[ \"$(docker --host {} inspect -f '{{{{.State.Running}}}}' app)\" = true ]",
                       new_engine.host())}};
  writer.rollback = {{"", fmt::format("docker --host {} rm -f app", new_engine.host())}};
  writer.thaws = {"app"};
  writer.point_of_no_return = true;
  m.steps.push_back(writer);
  m.point_of_no_return = writer.id;

  move::ExecuteOptions xo;
  xo.work_dir = work;
  xo.yes = true;
  move::LibraryMovers movers(mo, {});
  std::ostringstream out;

  // The writer keeps writing while the copy runs: the copy step is run alone first.
  KillingTransport t;
  t.at = "final-sync";  // never matches a shell command: the movers run in process
  move::Move copy_only = m;
  copy_only.steps = {m.steps[0]};
  ASSERT_EQ(move::execute_move(copy_only, t, movers, xo, out), 0) << out.str();
  sh(
      fmt::format("cd '{}' && for i in $(seq 201 230); do head -c 20000 /dev/urandom > f$i; done && "
                  "head -c 100 /dev/urandom >> f7 && rm f9",
                  src.string()));

  // Killed as the new writer is about to start (after the freeze and the final sync), then resumed.
  t.at = "run -d --name app";
  EXPECT_THROW(move::execute_move(m, t, movers, xo, out), Killed);
  auto jr = move::load_journal(xo.journal_file());
  EXPECT_EQ(jr.steps.at("13.writers.shop").status, "running");
  EXPECT_EQ(old_engine.docker_ok({"ps", "-q", "--filter", "name=shop-app-1"}), "")
      << "the old writer is stopped";
  ASSERT_EQ(move::execute_move(m, t, movers, xo, out), 0) << out.str();
  std::cout << out.str();

  // Independent proof: every file's sha256 equal on both sides, the change made during the copy in.
  auto dst = new_engine.volume_data("shop_shop_data");
  EXPECT_EQ(sums(src), sums(dst));
  EXPECT_TRUE(fs::exists(dst / "f230"));
  EXPECT_FALSE(fs::exists(dst / "f9"));
  jr = move::load_journal(xo.journal_file());
  EXPECT_NE(jr.steps.at("09.final-sync.volume.shop_data").summary.find("pass 2: 31 files"), std::string::npos)
      << jr.steps.at("09.final-sync.volume.shop_data").summary;  // only what changed: 30 new, 1 appended to
  auto ev = move::move_evidence_from_json(nlohmann::json::parse(read_file(xo.evidence_file())), "move.json");
  ASSERT_EQ(ev.downtime.size(), 1u);
  EXPECT_EQ(ev.downtime[0].clock, "monotonic");
  EXPECT_GT(ev.downtime[0].window_ms, 0);
  std::cout << fmt::format("write freeze of app: {} ms (monotonic), final sync: {}\n",
                           ev.downtime[0].window_ms, jr.steps.at("09.final-sync.volume.shop_data").summary);
  fs::remove_all(work);
}

}  // namespace
}  // namespace rehome::test
