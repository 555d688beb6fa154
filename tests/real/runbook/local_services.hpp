#pragma once
// Small real processes the runbook tests need beside the harness's servers: the probe as an HTTP
// service on loopback, and a real Prometheus scraping it. Both stopped by pid in the destructor.
#include <unistd.h>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "common/process.hpp"
#include "real/harness/netns_link.hpp"
#include "real/harness/probe_image.hpp"
#include "real/harness/server_process.hpp"

namespace rehome::test {

inline bool tcp_answers(const std::string& host, int port) {
  auto r = run_process({"bash", "-c", fmt::format("exec 3<>/dev/tcp/{}/{}", host, port)},
                       {.timeout = std::chrono::milliseconds(2000)});
  return r.ok();
}
inline bool tcp_answers(int port) { return tcp_answers("127.0.0.1", port); }

inline void wait_for_port(int port, const std::string& what,
                          std::chrono::seconds limit = std::chrono::seconds(30),
                          const std::string& host = "127.0.0.1") {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!tcp_answers(host, port)) {
    if (std::chrono::steady_clock::now() > until) throw std::runtime_error(what + " did not start listening");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

class LocalProcess {
 public:
  LocalProcess(const std::string& name, int port) : name_(name), port_(port) {
    dir_ = std::filesystem::temp_directory_path() / fmt::format("rehome-rb-{}-{}-{}", name, ::getpid(), port);
    std::filesystem::create_directories(dir_);
  }
  // `host`: where it listens, for the readiness check (an address inside a namespace, say).
  void start(const std::vector<std::string>& argv, std::map<std::string, std::string> env = {},
             const std::string& host = "127.0.0.1") {
    pid_ = spawn(argv, {.log_file = dir_ / "log", .env = std::move(env)});
    wait_for_port(port_, name_, std::chrono::seconds(30), host);
  }
  ~LocalProcess() {
    if (pid_ > 0) stop_child(pid_, SIGTERM, std::chrono::seconds(5));
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  LocalProcess(const LocalProcess&) = delete;
  LocalProcess& operator=(const LocalProcess&) = delete;
  int port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::string name_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// The probe binary as a plain HTTP service: /health -> 200, /metrics -> Prometheus text.
inline std::unique_ptr<LocalProcess> start_probe_service() {
  auto p = std::make_unique<LocalProcess>("probe", free_port());
  p->start({probe_binary().string()}, {{"PROBE_PORT", std::to_string(p->port())}});
  return p;
}

// The probe on `port` inside a linked network namespace, checked
// from here at `address`: a stand-in for a server's sshd, or for a port a firewall must close.
inline std::unique_ptr<LocalProcess> start_probe_in(const LinkedNamespace& ns, int port) {
  auto p = std::make_unique<LocalProcess>(fmt::format("probe-ns-{}", port), port);
  p->start(ns.inside({probe_binary().string()}), {{"PROBE_PORT", std::to_string(port)}}, ns.address());
  return p;
}

// A real Prometheus scraping `targets` (host:port list) every second.
inline std::unique_ptr<LocalProcess> start_prometheus(const std::vector<std::string>& targets) {
  auto p = std::make_unique<LocalProcess>("prometheus", free_port());
  std::string list;
  for (const auto& t : targets) list += (list.empty() ? "'" : ", '") + t + "'";
  std::ofstream(p->dir() / "prometheus.yml") << fmt::format(
      "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\n"
      "scrape_configs:\n  - job_name: probe\n    static_configs:\n      - targets: [{}]\n",
      list);
  p->start({require_program("prometheus", "prometheus").string(),
            "--config.file=" + (p->dir() / "prometheus.yml").string(),
            "--storage.tsdb.path=" + (p->dir() / "data").string(),
            fmt::format("--web.listen-address=127.0.0.1:{}", p->port())});
  return p;
}

}  // namespace rehome::test
