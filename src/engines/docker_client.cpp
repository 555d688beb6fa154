#include "engines/docker_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/error.hpp"
#include "engines/http_response.hpp"

namespace rehome::engines {
namespace {

using Clock = std::chrono::steady_clock;

// Closes the descriptor on every path out.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

const char* kHint = "start dockerd, or pass --host unix:///path/to/docker.sock";

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

std::string socket_path_from_host(const std::string& host, const char* docker_host_env) {
  std::string h = host;
  if (h.empty() && docker_host_env && std::string(docker_host_env).rfind("unix://", 0) == 0)
    h = docker_host_env;
  if (h.empty()) return "/var/run/docker.sock";
  if (h.rfind("unix://", 0) == 0)
    h = h.substr(7);
  else if (h.find("://") != std::string::npos)
    throw UserError("--host " + host + ": only unix sockets are supported",
                    "run rehome on the Docker host and pass --host unix:///var/run/docker.sock");
  if (h.empty())
    throw UserError("--host " + host + " names no socket path", "pass --host unix:///path/to/docker.sock");
  return h;
}

DockerClient::DockerClient(std::string socket_path, std::chrono::milliseconds timeout)
    : socket_path_(std::move(socket_path)), timeout_(timeout) {}

std::string DockerClient::request(const std::string& path, const std::string& method,
                                  const std::string& body) const {
  const std::string where = "Docker socket " + socket_path_;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof(addr.sun_path))
    throw UserError(where + ": the path is too long for a unix socket",
                    "use a shorter path (a symlink works)");
  std::memcpy(addr.sun_path, socket_path_.c_str(), socket_path_.size() + 1);

  Fd sock{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (sock.fd < 0) throw UserError(where + ": cannot create a socket: " + std::strerror(errno));
  if (::connect(sock.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int e = errno;
    if (e == ENOENT) throw UserError("cannot connect to the " + where + ": no such socket", kHint);
    if (e == EACCES || e == EPERM)
      throw UserError("cannot connect to the " + where + ": permission denied",
                      "run rehome as root or as a member of the docker group");
    if (e == ECONNREFUSED)
      throw UserError(
          "cannot connect to the " + where + ": nothing is listening (is it a socket of a running dockerd?)",
          kHint);
    if (e == ENOTSOCK) throw UserError(where + " is not a socket", kHint);
    throw UserError("cannot connect to the " + where + ": " + std::strerror(e), kHint);
  }

  auto deadline = Clock::now() + timeout_;
  std::string req = method + " " + path +
                    " HTTP/1.1\r\nHost: docker\r\nUser-Agent: rehome\r\nAccept: application/json\r\n"
                    "Connection: close\r\n";
  if (method != "GET")
    req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  size_t sent = 0;
  while (sent < req.size()) {
    pollfd p{sock.fd, POLLOUT, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) <= 0)
      throw UserError(where + ": timed out sending " + method + " " + path,
                      "check that dockerd is responsive");
    ssize_t n = ::send(sock.fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw UserError(where + ": cannot send " + method + " " + path + ": " + std::strerror(errno), kHint);
    sent += static_cast<size_t>(n);
  }

  std::string raw;
  char buf[16384];
  while (!response_complete(raw)) {
    pollfd p{sock.fd, POLLIN, 0};
    int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0)
      throw UserError(where + ": no answer to " + method + " " + path + " within " +
                          std::to_string(timeout_.count() / 1000) + " s",
                      "check that the socket belongs to a responsive Docker engine");
    ssize_t n = ::recv(sock.fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw UserError(where + ": reading the answer to " + method + " " + path + ": " + std::strerror(errno),
                      kHint);
    if (n == 0) break;
    raw.append(buf, static_cast<size_t>(n));
    if (raw.size() > (256u << 20))
      throw UserError(where + ": the answer to " + method + " " + path + " exceeds 256 MiB");
  }
  return raw;
}

nlohmann::json DockerClient::get(const std::string& path) const {
  const std::string where = "Docker socket " + socket_path_;
  std::string raw = request(path);
  auto response = parse_http_response(raw, where);
  if (!response) throw UserError(where + " does not answer HTTP: it is not a Docker engine's socket", kHint);
  auto json = nlohmann::json::parse(response->body, nullptr, false);
  if (response->status < 200 || response->status >= 300) {
    std::string message = json.is_object() && json.contains("message") && json["message"].is_string()
                              ? json["message"].get<std::string>()
                              : response->body.substr(0, 200);
    throw UserError(
        where + ": GET " + path + " failed with HTTP " + std::to_string(response->status) + ": " + message,
        response->status == 404 ? "the object is gone or the engine is too old" : "check the engine's log");
  }
  if (json.is_discarded())
    throw UserError(where + ": GET " + path + " did not return JSON: it is not a Docker engine's socket",
                    kHint);
  return json;
}

int DockerClient::post(const std::string& path, const nlohmann::json& body, nlohmann::json& answer) const {
  const std::string where = "Docker socket " + socket_path_;
  std::string text = body.dump();
  std::string raw = request(path, "POST", text);
  std::fill(text.begin(), text.end(), '\0');  // the body may hold a secret: do not leave it in memory
  auto response = parse_http_response(raw, where);
  if (!response) throw UserError(where + " does not answer HTTP: it is not a Docker engine's socket", kHint);
  answer = nlohmann::json::parse(response->body, nullptr, false);
  if (answer.is_discarded()) answer = nullptr;
  return response->status;
}

nlohmann::json DockerClient::version() const {
  nlohmann::json v = get("/version");
  if (!v.is_object() || !v.contains("ApiVersion"))
    throw UserError("Docker socket " + socket_path_ + ": /version has no ApiVersion: not a Docker engine",
                    kHint);
  return v;
}

}  // namespace rehome::engines
