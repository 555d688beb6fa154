#pragma once
// A real multi-node Docker Swarm on this machine: every dockerd in its own network namespace (made by
// the test), joined by veth pairs to a bridge in the root namespace, addresses in 198.18.0.0/24 only,
// each with its own hostname (UTS namespace), data-root, exec-root, socket and pidfile.
//
//   NetnsCluster cluster({.hostnames = {"gmktec", "hppavilion", "wsasus", "hpr"}, .managers = 3});
//   cluster.engine(0).docker_ok({"node", "ls"});  // engine 0 is the first manager (the leader)
//   cluster.stop(3);                              // the worker's dockerd stops (by pid)
//   // ~NetnsCluster: engines by pid, namespaces, veths, bridge, iptables rule, folders.
//
// Names carry the test's pid (rhb<pid>, rhv<pid>h<i>, rhv<pid>hr, rhfo-<pid>-<n>), so a crashed earlier run
// does not collide; leftovers of dead pids are swept when a cluster starts.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "real/harness/dockerd.hpp"
#include "real/harness/registry.hpp"

namespace rehome::test {

struct NetnsClusterOptions {
  std::vector<std::string> hostnames = {"node0", "node1", "node2", "node3"};
  int managers = 3;                         // the first `managers` hostnames are managers
  std::string dispatcher_heartbeat = "2s";  // docker swarm init --dispatcher-heartbeat
  std::string image;                        // built on every engine when not empty (build_probe_image)
  // A private registry (ImageRegistry) in its own namespace on the bridge at 198.18.0.2:5000, trusted
  // by every engine (--insecure-registry): push once, every node pulls.
  bool registry = false;
};

class NetnsCluster {
 public:
  explicit NetnsCluster(NetnsClusterOptions options);
  ~NetnsCluster();  // teardown(); never throws
  NetnsCluster(const NetnsCluster&) = delete;
  NetnsCluster& operator=(const NetnsCluster&) = delete;

  size_t size() const { return options_.hostnames.size(); }
  DockerEngine& engine(size_t i) { return *engines_[i]; }
  const std::string& hostname(size_t i) const { return options_.hostnames[i]; }
  std::string address(size_t i) const;  // 198.18.0.<10 + i>
  bool is_manager(size_t i) const { return static_cast<int>(i) < options_.managers; }
  // "hostname=unix:///.../docker.sock" for every engine, as `rehome drill --engine` takes them.
  std::vector<std::string> engine_flags() const;
  // "198.18.0.2:5000" when the cluster has a registry, else "".
  std::string registry() const;
  ImageRegistry& image_registry() { return *registry_; }  // only with .registry = true
  // The namespace of engine i (to run a client inside, e.g. nsenter --net=/var/run/netns/<name>).
  const std::string& netns(size_t i) const { return namespaces_[i]->name(); }

  void stop(size_t i);  // the engine's dockerd stops (SIGTERM by pid, then cleanup); idempotent
  // The link between engine i's namespace and the bridge (this machine's end of its veth) goes down:
  // nothing reaches the engine over the network, nor it anything, until link_up(i). Its unix socket
  // still answers on this machine.
  void link_down(size_t i);
  void link_up(size_t i);
  void teardown();  // everything, in reverse order; idempotent

 private:
  void make_network();
  void form_swarm();

  NetnsClusterOptions options_;
  std::string id_;  // the pid, in every name
  std::string bridge_;
  bool bridge_made_ = false, rule_added_ = false;
  std::vector<std::unique_ptr<NetworkNamespace>> namespaces_;
  std::vector<std::unique_ptr<DockerEngine>> engines_;
  std::unique_ptr<NetworkNamespace> registry_ns_;
  std::unique_ptr<ImageRegistry> registry_;
};

// Deletes namespaces, links and iptables rules left by clusters of test processes that are gone.
void sweep_leftover_clusters();

}  // namespace rehome::test
