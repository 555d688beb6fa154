// The Docker harness itself: an engine of our own starts, the probe image builds FROM scratch, a
// container answers its health check, and stopping leaves no process, mount or folder behind.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "real/harness/dockerd.hpp"
#include "real/harness/probe_image.hpp"

namespace rehome::test {
namespace {
using namespace std::chrono_literals;

bool has_mount_under(const std::filesystem::path& root) {
  std::ifstream info("/proc/self/mountinfo");
  for (std::string line; std::getline(info, line);) {
    if (line.find(root.string()) != std::string::npos) return true;
  }
  return false;
}

TEST(DockerHarness, EngineRunsProbeContainerAndStopsCleanly) {
  std::filesystem::path root;
  pid_t pid = 0;
  {
    DockerEngine engine({.name = "smoke"});
    root = engine.root();
    pid = engine.pid();
    ASSERT_TRUE(engine.running());
    EXPECT_TRUE(std::filesystem::exists(engine.socket()));

    std::string image = build_probe_image(engine);
    EXPECT_NE(engine.docker_ok({"image", "inspect", "--format", "{{.Id}}", image}), "");

    std::string id = engine.docker_ok({"run", "--detach", "--network", "none", "--env", "PROBE_MEMORY=8",
                                       "--memory", "64m", "--name", "probe1", image});
    ASSERT_FALSE(id.empty());
    // The image's HEALTHCHECK runs `probe --check` inside the container every 2 s.
    bool healthy = wait_until(
        [&] {
          auto r = engine.docker({"inspect", "--format", "{{.State.Health.Status}}", "probe1"});
          return r.ok() && r.out.rfind("healthy", 0) == 0;
        },
        30s);
    EXPECT_TRUE(healthy) << engine.docker({"inspect", "probe1"}).out;
    EXPECT_EQ(
        engine.docker({"exec", "probe1", "/probe", "--check", "http://127.0.0.1:8080/health"}).exit_code, 0);
    EXPECT_EQ(
        engine.docker({"exec", "probe1", "/probe", "--check", "http://127.0.0.1:8080/nothing"}).exit_code, 1);
    std::string logs = engine.docker_ok({"logs", "probe1"}) + engine.docker({"logs", "probe1"}).err;
    EXPECT_NE(logs.find("8 MiB held"), std::string::npos) << logs;
    // Leave the container running: stop() must take it down with the engine.
  }
  EXPECT_FALSE(::kill(pid, 0) == 0) << "dockerd still running";
  EXPECT_FALSE(std::filesystem::exists(root));
  EXPECT_FALSE(has_mount_under(root));
}

TEST(DockerHarness, EngineInOwnNamespaceWithHostname) {
  DockerEngine engine(
      {.name = "ns", .own_netns = true, .hostname = "node-a", .labels = {{"rehome.test", "yes"}}});
  ASSERT_TRUE(engine.netns().has_value());
  EXPECT_TRUE(std::filesystem::exists("/var/run/netns/" + *engine.netns()));
  EXPECT_EQ(engine.docker_ok({"info", "--format", "{{.Name}}"}), "node-a\n");
  EXPECT_NE(engine.docker_ok({"info", "--format", "{{.Labels}}"}).find("rehome.test=yes"), std::string::npos);
  std::string ns = *engine.netns();
  engine.stop();
  EXPECT_FALSE(std::filesystem::exists("/var/run/netns/" + ns));
}

TEST(DockerHarness, FailingStartNamesTheProblem) {
  try {
    DockerEngine engine({.name = "bad", .extra_args = {"--no-such-flag"}, .start_timeout = 20s});
    FAIL() << "a dockerd with a bad flag must not start";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-flag"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rehome::test
