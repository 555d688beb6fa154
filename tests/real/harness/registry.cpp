#include "real/harness/registry.hpp"

#include <signal.h>

#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"
#include "real/harness/server_process.hpp"

namespace rehome::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

ImageRegistry::ImageRegistry(const std::string& netns, const std::string& address, int port)
    : netns_(netns), address_(address), port_(port) {
  fs::path registry = find_program("docker-registry", {"/usr/bin"}).value_or("");
  if (registry.empty())
    throw std::runtime_error("docker-registry not found: apt-get install docker-registry");
  sweep_leftover_servers();
  dir_ = make_server_dir("registry", RunAs{});
  fs::create_directories(dir_ / "data");
  write_file_atomically(dir_ / "config.yml",
                        fmt::format(R"(version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {data}
  delete:
    enabled: true
http:
  addr: {address}:{port}
)",
                                    fmt::arg("data", (dir_ / "data").string()), fmt::arg("address", address_),
                                    fmt::arg("port", port_)));
  try {
    // nsenter execs the registry, so the pid is the registry's own.
    pid_ = spawn({"/usr/bin/nsenter", "--net=/var/run/netns/" + netns_, "--", registry.string(), "serve",
                  (dir_ / "config.yml").string()},
                 {.log_file = dir_ / "registry.log"});
    record_server_pid(dir_, pid_);
    bool ready = wait_until(
        [&] {
          if (!child_alive(pid_)) throw std::runtime_error("docker-registry exited while starting");
          return http_get("/v2/").find("{}") != std::string::npos;
        },
        20s, 100ms);
    if (!ready) throw std::runtime_error("docker-registry did not answer GET /v2/ within 20 s");
  } catch (const std::exception& e) {
    std::string log = log_tail(dir_ / "registry.log");
    stop();
    throw std::runtime_error(
        fmt::format("{} ({}:{} in {}); its log:\n{}", e.what(), address, port, netns, log));
  }
}

ImageRegistry::~ImageRegistry() { stop(); }

std::string ImageRegistry::endpoint() const { return fmt::format("{}:{}", address_, port_); }

std::string ImageRegistry::http_get(const std::string& path) const {
  // bash's /dev/tcp inside the namespace: no curl needed, nothing leaves the test network.
  std::string script = fmt::format(
      "exec 3<>/dev/tcp/{}/{} && printf 'GET {} HTTP/1.0\\r\\nHost: registry\\r\\n\\r\\n' >&3 && cat <&3",
      address_, port_, path);
  auto r =
      run_process({"nsenter", "--net=/var/run/netns/" + netns_, "--", "bash", "-c", script}, {.timeout = 5s});
  if (!r.ok()) return "";
  auto body = r.out.find("\r\n\r\n");
  return body == std::string::npos ? "" : r.out.substr(body + 4);
}

std::vector<std::string> ImageRegistry::catalog() const {
  auto body = http_get("/v2/_catalog");
  if (body.empty()) return {};
  return nlohmann::json::parse(body).value("repositories", std::vector<std::string>{});
}

void ImageRegistry::stop() {
  if (pid_ > 0) stop_child(pid_, SIGTERM, 5s);
  pid_ = -1;
  if (!dir_.empty()) remove_server_dir(dir_, false);
  dir_.clear();
}

std::string push_to_registry(const DockerEngine& engine, const std::string& registry,
                             const std::string& local_tag) {
  std::string ref = registry + "/" + local_tag;
  engine.docker_ok({"tag", local_tag, ref});
  engine.docker_ok({"push", ref}, {.timeout = 10min});
  return ref;
}

}  // namespace rehome::test
