#pragma once
// A real Docker engine for tests: Debian's dockerd with its own data-root, exec-root, socket and
// pidfile in a temp folder (so it never touches the host's /var/lib/docker), optionally inside a
// network namespace with its own hostname (so several engines form a multi-node Swarm on one host).
//
//   rehome::test::DockerEngine engine;                       // started and answering `docker info`
//   engine.docker_ok({"swarm", "init", "--advertise-addr", "127.0.0.1"});
//   // ~DockerEngine: SIGTERM by pid, SIGKILL after a grace period, unmount, remove the folder.
//
// The engine runs with PR_SET_PDEATHSIG, so a test process killed by a ctest timeout takes its
// engines with it; folders left by such a death are swept by the next DockerEngine.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/process.hpp"

namespace rehome::test {

// A network namespace under /var/run/netns with only `lo` (up), deleted by the destructor.
// Engines in separate namespaces do not fight over ports 2377/7946/4789 or docker_gwbridge.
class NetworkNamespace {
 public:
  explicit NetworkNamespace(const std::string& prefix = "rehome");  // name: <prefix>-<pid>-<n>
  ~NetworkNamespace();
  NetworkNamespace(const NetworkNamespace&) = delete;
  NetworkNamespace& operator=(const NetworkNamespace&) = delete;

  const std::string& name() const { return name_; }
  std::filesystem::path path() const { return "/var/run/netns/" + name_; }

 private:
  std::string name_;
};

struct DockerEngineOptions {
  std::string name = "engine";  // in folder names and messages
  // Start dockerd inside this existing namespace (/var/run/netns/<netns>), like
  // `nsenter --net=/var/run/netns/<netns> dockerd` (setns in the child; not `ip netns exec`, which
  // remounts /sys and hides the cgroup mounts dockerd needs).
  std::optional<std::string> netns;
  bool own_netns = false;               // make a private namespace (lo only) for this engine
  std::optional<std::string> hostname;  // a private UTS namespace with this hostname: Swarm's node.hostname
  std::map<std::string, std::string> labels;  // engine labels (--label k=v)
  std::vector<std::string> extra_args;        // more dockerd flags
  bool bridge = false;                        // false: --bridge none --iptables=false (no host NAT rules)
  std::chrono::milliseconds start_timeout{60000};
  std::chrono::milliseconds stop_grace{20000};  // SIGTERM, then SIGKILL after this
};

class DockerEngine {
 public:
  // Starts dockerd and waits until `docker info` answers. Throws std::runtime_error with the tail
  // of the engine's log when it does not start (or skips nothing: a missing dockerd is an error).
  explicit DockerEngine(DockerEngineOptions options = {});
  ~DockerEngine();  // stop()
  DockerEngine(const DockerEngine&) = delete;
  DockerEngine& operator=(const DockerEngine&) = delete;

  // SIGTERM by pid, SIGKILL after the grace period, then the engine's containerd and shims by pid,
  // unmount everything under the folder, delete the namespace (if own) and the folder. Idempotent.
  void stop();

  // The docker CLI against this engine: docker -H unix://<root>/docker.sock args...
  ProcessResult docker(const std::vector<std::string>& args, ProcessOptions options = {}) const;
  // Same, but throws std::runtime_error naming the command and its stderr when it fails; returns stdout.
  std::string docker_ok(const std::vector<std::string>& args, ProcessOptions options = {}) const;

  std::string host() const { return "unix://" + socket().string(); }  // for -H / DOCKER_HOST
  std::filesystem::path socket() const { return root_ / "docker.sock"; }
  const std::filesystem::path& root() const { return root_; }  // the temp folder
  // Where a local named volume's files are on this machine (to fill or compare them from the test).
  std::filesystem::path volume_data(const std::string& name) const {
    return root_ / "data" / "volumes" / name / "_data";
  }
  std::optional<std::string> netns() const;  // the namespace it runs in
  pid_t pid() const { return pid_; }
  bool running() const;
  std::string log_tail(size_t max_chars = 3000) const;

 private:
  void spawn();
  void wait_ready();

  DockerEngineOptions options_;
  std::optional<NetworkNamespace> own_netns_;
  std::filesystem::path root_;
  pid_t pid_ = -1;
  bool stopped_ = false;
};

// Calls `ready` every `every` until it returns true or `timeout` passes; returns the last verdict.
bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout,
                std::chrono::milliseconds every = std::chrono::milliseconds(250));

}  // namespace rehome::test
