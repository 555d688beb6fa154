// Fault campaign, link cut (docs/faults.md): the link to a server in a network namespace goes down in
// the middle of a copy and comes back. rehome either rides it out or stops with a message naming the
// server and what to do; the same command again finishes; and a run that did not finish never says
// "verified". Each outcome is checked independently of rehome (psql fingerprints, sha256 of every file).
// Run under `flock /tmp/rehome-netns.lock` (addresses on 198.18.0.0/24).
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "real/faults/fault_fixture.hpp"
#include "real/harness/dockerd.hpp"

namespace rehome::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr auto kCut = 8s;  // long enough for TCP's retransmissions to back off past a second

// What a faulted run may have said: finished and verified (then it must be true), or stopped with a
// message; never a claim of success without the proof.
void expect_honest(const RehomeRun& run, const std::string& server, bool proof_holds) {
  std::cout << fmt::format("faulted run: exit {}\n{}\n", run.exit_code, run.output.substr(0, 3000));
  if (run.exit_code == 0) {
    json r = json::parse(last_json(run.output), nullptr, false);
    EXPECT_TRUE(r.is_object() && r.value("verified", false)) << run.output;
    EXPECT_TRUE(proof_holds) << "reported verified, but the independent check differs:\n" << run.output;
  } else {
    EXPECT_EQ(run.output.find("\"verified\": true"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find(server), std::string::npos) << "the message names no server:\n" << run.output;
  }
}

// The command held at `hold_at` (connections open), the link cut, the command released, the link
// restored `cut` later (0: once the command ended); its run to the end.
RehomeRun cut_while_running(const std::vector<std::string>& args, const std::string& hold_at,
                            const LinkedNamespace& ns, std::chrono::seconds cut = kCut) {
  HeldRun held(args, hold_at);
  if (!held.wait_held()) return {};
  link_down(ns);
  held.release();
  if (cut.count() > 0) {
    std::this_thread::sleep_for(cut);
    link_up(ns);
    return held.finish(300s);
  }
  RehomeRun run = held.finish(150s);  // the link stays down until the command ends
  link_up(ns);
  return run;
}

RehomeRun expect_rerun_verified(const std::vector<std::string>& args) {
  RehomeRun again = run_rehome(args);
  EXPECT_EQ(again.exit_code, 0) << again.output;
  json r = json::parse(last_json(again.output), nullptr, false);
  EXPECT_TRUE(r.is_object() && r.value("verified", false)) << again.output;
  return again;
}

std::string files_of(const fs::path& d) {
  return run_bash(
      "cd '" + d.string() +
      "' && find . -printf '%y %m %s %p\\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r "
      "sha256sum");
}

// A source engine, and a target engine in a namespace reached through a proxy socket across its
// link; the source volume `data` holds 48 MB of random files.
struct VolumeBehindALink {
  LinkedNamespace ns{"rehome-fl"};
  DockerEngine source{{.name = "flsrc", .own_netns = true}};
  DockerEngine target{{.name = "fldst", .netns = ns.name()}};
  TempDir dir;
  fs::path proxy = dir.path / "target-engine.sock";
  LinkedSocket link{ns, target.socket(), 2375, proxy};

  VolumeBehindALink() {
    source.docker_ok({"volume", "create", "data"});
    run_bash("set -e; cd '" + source.volume_data("data").string() +
             "'; for i in $(seq 1 48); do head -c 1000000 /dev/urandom > f$i; done; mkdir d; echo a > d/a");
  }
  // `rehome migrate volume data` into the target's volume `copy`, with `extra` flags.
  std::vector<std::string> args(const std::string& copy, const std::string& transport,
                                const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> a = {"migrate",
                                  "volume",
                                  "data",
                                  "--from-engine",
                                  source.host(),
                                  "--to-engine",
                                  "unix://" + proxy.string(),
                                  "--to-volume",
                                  copy,
                                  "--state",
                                  (dir.path / (copy + ".state.json")).string(),
                                  "--transport",
                                  transport,
                                  "--json"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  bool identical(const std::string& copy) const {
    return files_of(source.volume_data("data")) == files_of(target.volume_data(copy));
  }
};

TEST(LinkCut, VolumeCopyToAnEngineBehindANamespaceLink) {
  auto t0 = std::chrono::steady_clock::now();
  VolumeBehindALink v;
  for (std::string transport : {"stream", "archive"}) {
    SCOPED_TRACE(transport);
    std::string copy = "copy-" + transport;
    auto a = v.args(copy, transport);
    RehomeRun run = cut_while_running(a, "volume-copy:half", v.ns);
    expect_honest(run, v.proxy.string(), v.identical(copy));
    expect_rerun_verified(a);
    EXPECT_TRUE(v.identical(copy));
  }
  std::cout << fmt::format(
      "link cut, volume: {} s in all\n",
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0).count());
}

// The link to the target's server goes down mid-copy and stays down: the pass stops within its idle
// limit (--idle-timeout 10), naming the engine, instead of waiting without end; the link back, the same
// command finishes and proves the copy.
TEST(LinkCut, VolumeCopyLinkThatStaysDownStopsWithAMessage) {
  VolumeBehindALink v;
  auto a = v.args("copy", "stream", {"--idle-timeout", "10"});
  auto t0 = std::chrono::steady_clock::now();
  RehomeRun run = cut_while_running(a, "volume-copy:half", v.ns, 0s);
  const auto stopped_after =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0).count();
  expect_honest(run, v.proxy.string(), false);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.output.find("stopped answering"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("run the same command again"), std::string::npos) << run.output;
  std::cout << fmt::format("link down for good, volume: stopped after {} s (idle limit 10 s)\n",
                           stopped_after);
  expect_rerun_verified(a);
  EXPECT_TRUE(v.identical("copy"));
}

// The source once for both postgres cuts: ~32 MB in public.big, copied in block ranges.
class PostgresLinkCut : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    source_ = new PostgresServer();
    source_->create_database("app");
    fill_source(*source_, "app", 250000);
    before_ = new std::map<std::string, std::string>(table_fingerprints(*source_, "app"));
  }
  static void TearDownTestSuite() {
    delete source_;
    delete before_;
  }
  // The copy to a target behind a namespace's link, cut `cut` long (0: until the command ends, at most
  // 150 s), then the same command again.
  void cut_then_rerun(std::chrono::seconds cut, bool expect_stop) {
    auto t0 = std::chrono::steady_clock::now();
    PostgresServer target;
    target.create_database("app");
    LinkedNamespace ns("rehome-fl");
    LinkedSocket link(ns, target.socket_dir() / (".s.PGSQL." + std::to_string(target.port())), 5432);
    TempDir dir;
    std::string server = ns.address() + ":5432";
    std::vector<std::string> args = {"migrate",
                                     "postgres",
                                     "--from",
                                     source_->url("app"),
                                     "--to",
                                     "postgresql://postgres@" + server + "/app",
                                     "--jobs",
                                     "2",
                                     "--state=" + (dir.path / "state.json").string(),
                                     "--json"};
    RehomeRun run = cut_while_running(args, "copy:public.big#2", ns, cut);
    auto cut_over = std::chrono::steady_clock::now();
    expect_honest(run, server, table_fingerprints(*source_, "app") == table_fingerprints(target, "app"));
    if (expect_stop) {
      EXPECT_NE(run.exit_code, 0);
      EXPECT_NE(run.output.find("the connection was lost"), std::string::npos) << run.output;
      EXPECT_NE(run.output.find("running the same command again resumes"), std::string::npos) << run.output;
    }
    RehomeRun again = expect_rerun_verified(args);
    if (expect_stop) {  // the server still holds the cut-off sessions (and their locks): the re-run ends them
      size_t ended = again.output.find("resume     ended");
      EXPECT_NE(ended, std::string::npos) << again.output;
      if (ended != std::string::npos)
        std::cout << again.output.substr(ended, again.output.find('\n', ended) - ended) << "\n";
    }
    EXPECT_EQ(table_fingerprints(target, "app"), *before_);
    EXPECT_EQ(table_fingerprints(*source_, "app"), *before_);  // the source untouched
    std::cout << fmt::format(
        "link cut, postgres ({}): faulted run {} s, in all {} s\n",
        cut.count() ? fmt::format("{} s", cut.count()) : "until it stops",
        std::chrono::duration_cast<std::chrono::seconds>(cut_over - t0).count(),
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0).count());
  }
  static PostgresServer* source_;
  static std::map<std::string, std::string>* before_;
};
PostgresServer* PostgresLinkCut::source_ = nullptr;
std::map<std::string, std::string>* PostgresLinkCut::before_ = nullptr;

TEST_F(PostgresLinkCut, ShortCutIsRiddenOut) { cut_then_rerun(kCut, false); }

// Without keepalives TCP would retransmit for ~15 minutes; rehome's connections give up within about a
// minute and say which server and what to do.
TEST_F(PostgresLinkCut, LinkThatStaysDownStopsWithAMessage) { cut_then_rerun(std::chrono::seconds(0), true); }

}  // namespace
}  // namespace rehome::test
