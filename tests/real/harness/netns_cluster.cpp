#include "real/harness/netns_cluster.hpp"

#include <signal.h>
#include <unistd.h>

#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "real/harness/probe_image.hpp"

namespace rehome::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kNetnsPrefix = "rhfo";

std::string must(const std::vector<std::string>& argv) {
  auto r = run_process(argv);
  if (!r.ok()) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    throw std::runtime_error(fmt::format("{}: {}", cmd, r.err));
  }
  return r.out;
}

bool pid_alive(const std::string& digits) {
  try {
    return !digits.empty() && ::kill(std::stoi(digits), 0) == 0;
  } catch (const std::exception&) {
    return false;
  }
}

// "rhb12345" -> "12345", "rhv12345h2" -> "12345"
std::string pid_in(const std::string& name, size_t from) {
  size_t end = from;
  while (end < name.size() && std::isdigit(static_cast<unsigned char>(name[end]))) ++end;
  return name.substr(from, end - from);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

void sweep_leftover_clusters() {
  for (const auto& l : lines(run_process({"ip", "netns", "list"}).out)) {
    std::string name = l.substr(0, l.find(' '));
    if (name.rfind(std::string(kNetnsPrefix) + "-", 0) == 0 && !pid_alive(pid_in(name, 5)))
      run_process({"ip", "netns", "delete", name});
  }
  for (const auto& l : lines(run_process({"ip", "-o", "link", "show"}).out)) {
    // "12: rhb12345: <...>" or "13: rhv12345h0@if12: <...>"
    auto colon = l.find(": ");
    if (colon == std::string::npos) continue;
    std::string name = l.substr(colon + 2, l.find_first_of(":@", colon + 2) - colon - 2);
    if ((name.rfind("rhb", 0) == 0 || name.rfind("rhv", 0) == 0) && !pid_alive(pid_in(name, 3)))
      run_process({"ip", "link", "delete", name});
  }
  for (const auto& l : lines(run_process({"iptables", "-S", "FORWARD"}).out)) {
    auto pos = l.find("-i rhb");
    if (l.rfind("-A FORWARD", 0) != 0 || pos == std::string::npos) continue;
    if (pid_alive(pid_in(l, pos + 6))) continue;
    std::vector<std::string> argv = {"iptables", "-D", "FORWARD"};
    std::istringstream words(l.substr(std::string("-A FORWARD ").size()));
    for (std::string w; words >> w;) argv.push_back(w);
    run_process(argv);
  }
}

NetnsCluster::NetnsCluster(NetnsClusterOptions options) : options_(std::move(options)) {
  id_ = std::to_string(::getpid());
  bridge_ = "rhb" + id_;
  sweep_leftover_clusters();
  try {
    make_network();
    for (size_t i = 0; i < size(); ++i) {
      DockerEngineOptions o;
      o.name = hostname(i);
      o.netns = namespaces_[i]->name();
      o.hostname = hostname(i);
      if (registry_) o.extra_args = {"--insecure-registry", registry_->endpoint()};
      engines_.push_back(std::make_unique<DockerEngine>(o));
      if (!options_.image.empty()) build_probe_image(*engines_.back(), options_.image);
    }
    form_swarm();
  } catch (...) {
    teardown();
    throw;
  }
}

NetnsCluster::~NetnsCluster() { teardown(); }

std::string NetnsCluster::address(size_t i) const { return fmt::format("198.18.0.{}", 10 + i); }

void NetnsCluster::link_down(size_t i) {
  must({"ip", "link", "set", fmt::format("rhv{}h{}", id_, i), "down"});
}

void NetnsCluster::link_up(size_t i) { must({"ip", "link", "set", fmt::format("rhv{}h{}", id_, i), "up"}); }

std::string NetnsCluster::registry() const { return registry_ ? registry_->endpoint() : ""; }

std::vector<std::string> NetnsCluster::engine_flags() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < engines_.size(); ++i) out.push_back(hostname(i) + "=" + engines_[i]->host());
  return out;
}

void NetnsCluster::make_network() {
  must({"ip", "link", "add", bridge_, "type", "bridge"});
  bridge_made_ = true;
  must({"ip", "link", "set", bridge_, "up"});
  // A running dockerd sets the FORWARD policy to DROP; bridged traffic may pass through it.
  must({"iptables", "-I", "FORWARD", "-i", bridge_, "-o", bridge_, "-j", "ACCEPT"});
  rule_added_ = true;
  for (size_t i = 0; i < size(); ++i) {
    namespaces_.push_back(std::make_unique<NetworkNamespace>(kNetnsPrefix));
    const std::string ns = namespaces_.back()->name();
    const std::string host_end = fmt::format("rhv{}h{}", id_, i), ns_end = fmt::format("rhv{}n{}", id_, i);
    must({"ip", "link", "add", host_end, "type", "veth", "peer", "name", ns_end});
    must({"ip", "link", "set", ns_end, "netns", ns});
    must({"ip", "link", "set", host_end, "master", bridge_, "up"});
    must({"ip", "-n", ns, "addr", "add", address(i) + "/24", "dev", ns_end});
    must({"ip", "-n", ns, "link", "set", ns_end, "up"});
  }
  if (!options_.registry) return;
  registry_ns_ = std::make_unique<NetworkNamespace>(kNetnsPrefix);
  const std::string ns = registry_ns_->name();
  const std::string host_end = fmt::format("rhv{}hr", id_), ns_end = fmt::format("rhv{}nr", id_);
  must({"ip", "link", "add", host_end, "type", "veth", "peer", "name", ns_end});
  must({"ip", "link", "set", ns_end, "netns", ns});
  must({"ip", "link", "set", host_end, "master", bridge_, "up"});
  must({"ip", "-n", ns, "addr", "add", "198.18.0.2/24", "dev", ns_end});
  must({"ip", "-n", ns, "link", "set", ns_end, "up"});
  registry_ = std::make_unique<ImageRegistry>(ns, "198.18.0.2");
}

void NetnsCluster::form_swarm() {
  auto& first = *engines_[0];
  first.docker_ok({"swarm", "init", "--advertise-addr", address(0), "--listen-addr", address(0) + ":2377",
                   "--dispatcher-heartbeat", options_.dispatcher_heartbeat});
  auto trim = [](std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  };
  const std::string manager_token = trim(first.docker_ok({"swarm", "join-token", "-q", "manager"}));
  const std::string worker_token = trim(first.docker_ok({"swarm", "join-token", "-q", "worker"}));
  for (size_t i = 1; i < size(); ++i) {
    engines_[i]->docker_ok(
        {"swarm", "join", "--token", is_manager(i) ? manager_token : worker_token, "--advertise-addr",
         address(i), "--listen-addr", address(i) + ":2377", address(0) + ":2377"},
        {.timeout = std::chrono::milliseconds(60000)});
  }
  bool ready = wait_until(
      [&] {
        auto r = first.docker({"node", "ls", "--format", "{{.Status}}"});
        if (!r.ok()) return false;
        size_t n = 0;
        for (const auto& l : lines(r.out)) n += l == "Ready";
        return n == size();
      },
      60s);
  if (!ready) throw std::runtime_error("swarm nodes not Ready: " + first.docker({"node", "ls"}).out);
}

void NetnsCluster::stop(size_t i) {
  if (i < engines_.size() && engines_[i]) engines_[i]->stop();
}

void NetnsCluster::teardown() {
  try {
    for (auto it = engines_.rbegin(); it != engines_.rend(); ++it)
      if (*it) (*it)->stop();
    engines_.clear();
    registry_.reset();
    namespaces_.clear();  // ip netns delete (the veth ends inside go with them)
    registry_ns_.reset();
    for (size_t i = 0; i < options_.hostnames.size(); ++i)
      run_process({"ip", "link", "delete", fmt::format("rhv{}h{}", id_, i)});
    run_process({"ip", "link", "delete", fmt::format("rhv{}hr", id_)});
    if (rule_added_) run_process({"iptables", "-D", "FORWARD", "-i", bridge_, "-o", bridge_, "-j", "ACCEPT"});
    rule_added_ = false;
    if (bridge_made_) run_process({"ip", "link", "delete", bridge_});
    bridge_made_ = false;
  } catch (...) {
  }
}

}  // namespace rehome::test
