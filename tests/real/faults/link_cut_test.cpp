// Fault campaign, link cut (docs/faults.md): the link to a server in a network namespace goes down in
// the middle of a copy and comes back. rehome either rides it out or stops with a message naming the
// server and what to do; the same command again finishes; and a run that did not finish never says
// "verified". Each outcome is checked independently of rehome (psql fingerprints, sha256 of every file).
// Run under `flock /tmp/rehome-netns.lock` (addresses on 198.18.0.0/24).
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
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
// restored kCut later; its run to the end.
RehomeRun cut_while_running(const std::vector<std::string>& args, const std::string& hold_at,
                            const LinkedNamespace& ns) {
  HeldRun held(args, hold_at);
  if (!held.wait_held()) return {};
  link_down(ns);
  held.release();
  std::this_thread::sleep_for(kCut);
  link_up(ns);
  return held.finish(300s);
}

void expect_rerun_verified(const std::vector<std::string>& args) {
  RehomeRun again = run_rehome(args);
  EXPECT_EQ(again.exit_code, 0) << again.output;
  json r = json::parse(last_json(again.output), nullptr, false);
  EXPECT_TRUE(r.is_object() && r.value("verified", false)) << again.output;
}

std::string files_of(const fs::path& d) {
  return sh("cd '" + d.string() +
            "' && find . -printf '%y %m %s %p\\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r "
            "sha256sum");
}

TEST(LinkCut, VolumeCopyToAnEngineBehindANamespaceLink) {
  auto t0 = std::chrono::steady_clock::now();
  LinkedNamespace ns("rehome-fl");
  DockerEngine source({.name = "flsrc", .own_netns = true});
  DockerEngine target({.name = "fldst", .netns = ns.name()});
  TempDir dir;
  fs::path proxy = dir.path / "target-engine.sock";
  LinkedSocket link(ns, target.socket(), 2375, proxy);
  source.docker_ok({"volume", "create", "data"});
  sh("set -e; cd '" + source.volume_data("data").string() +
     "'; for i in $(seq 1 48); do head -c 1000000 /dev/urandom > f$i; done; mkdir d; echo a > d/a");
  for (std::string transport : {"stream", "archive"}) {
    SCOPED_TRACE(transport);
    std::string copy = "copy-" + transport;
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
    RehomeRun run = cut_while_running(a, "volume-copy:half", ns);
    expect_honest(run, proxy.string(),
                  files_of(source.volume_data("data")) == files_of(target.volume_data(copy)));

    expect_rerun_verified(a);
    EXPECT_EQ(files_of(source.volume_data("data")), files_of(target.volume_data(copy)));
  }
  std::cout << fmt::format(
      "link cut, volume: {} s in all\n",
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0).count());
}

TEST(LinkCut, PostgresCopyToAServerBehindANamespaceLink) {
  auto t0 = std::chrono::steady_clock::now();
  PostgresServer source;
  source.create_database("app");
  fill_source(source, "app", 250000);  // public.big: ~35 MB in block ranges
  auto before = table_fingerprints(source, "app");
  PostgresServer target;
  target.create_database("app");
  LinkedNamespace ns("rehome-fl");
  LinkedSocket link(ns, target.socket_dir() / (".s.PGSQL." + std::to_string(target.port())), 5432);
  TempDir dir;
  std::string server = ns.address() + ":5432";
  std::vector<std::string> args = {
      "migrate",         "postgres", "--from",
      source.url("app"), "--to",     "postgresql://postgres@" + server + "/app",
      "--jobs",          "2",        "--state=" + (dir.path / "state.json").string(),
      "--json"};
  RehomeRun run = cut_while_running(args, "copy:public.big#2", ns);
  expect_honest(run, ns.address(), table_fingerprints(source, "app") == table_fingerprints(target, "app"));

  expect_rerun_verified(args);
  EXPECT_EQ(table_fingerprints(source, "app"), table_fingerprints(target, "app"));
  EXPECT_EQ(table_fingerprints(source, "app"), before);  // the source untouched
  std::cout << fmt::format(
      "link cut, postgres: {} s in all\n",
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0).count());
}

}  // namespace
}  // namespace rehome::test
