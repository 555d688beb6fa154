#include "import/docker_stream.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.hpp"
#include "import/http_response.hpp"

namespace rehome::import {
namespace {

void send_all(int fd, const char* data, size_t size, const std::string& where) {
  size_t sent = 0;
  while (sent < size) {
    ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw UserError(where + ": the connection broke while sending: " + std::strerror(errno),
                      "check that the engine is still running, then run the same command again");
    sent += static_cast<size_t>(n);
  }
}

}  // namespace

int connect_docker_socket(const std::string& socket_path) {
  const std::string where = "Docker socket " + socket_path;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path))
    throw UserError(where + ": the path is too long for a unix socket",
                    "use a shorter path (a symlink works)");
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw UserError(where + ": cannot create a socket: " + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int e = errno;
    ::close(fd);
    throw UserError("cannot connect to the " + where + ": " + std::strerror(e),
                    "start that dockerd, or pass the right unix:///path/to/docker.sock");
  }
  return fd;
}

ApiAnswer DockerApi::call(const std::string& method, const std::string& path, const std::string& body,
                          const std::string& content_type) const {
  const std::string where = "Docker socket " + socket_path_;
  int fd = connect_docker_socket(socket_path_);
  std::string raw;
  try {
    std::string req =
        method + " " + path + " HTTP/1.1\r\nHost: docker\r\nUser-Agent: rehome\r\nConnection: close\r\n";
    if (!body.empty() || method == "POST" || method == "PUT")
      req += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n";
    send_all(fd, req.data(), req.size(), where);
    send_all(fd, body.data(), body.size(), where);
    char buf[65536];
    while (!response_complete(raw)) {
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        throw UserError(where + ": reading the answer to " + method + " " + path + ": " +
                        std::strerror(errno));
      if (n == 0) break;
      raw.append(buf, static_cast<size_t>(n));
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  auto response = parse_http_response(raw, where);
  if (!response) throw UserError(where + " does not answer HTTP: it is not a Docker engine's socket");
  return {response->status, response->body};
}

nlohmann::json DockerApi::call_json(const std::string& method, const std::string& path,
                                    const nlohmann::json& body) const {
  ApiAnswer a = call(method, path, body.is_null() ? std::string() : body.dump());
  auto json = nlohmann::json::parse(a.body, nullptr, false);
  if (a.status < 200 || a.status >= 300) {
    std::string message = json.is_object() && json.contains("message") && json["message"].is_string()
                              ? json["message"].get<std::string>()
                              : a.body.substr(0, 200);
    throw UserError("Docker socket " + socket_path_ + ": " + method + " " + path + " failed with HTTP " +
                        std::to_string(a.status) + ": " + message,
                    "check the engine's log");
  }
  return json.is_discarded() ? nlohmann::json() : json;
}

AttachedStream::AttachedStream(const std::string& socket_path, const std::string& container_id) {
  fd_ = connect_docker_socket(socket_path);
  const std::string where = "Docker socket " + socket_path;
  std::string req =
      "POST /containers/" + container_id +
      "/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: docker\r\nUser-Agent: rehome\r\n"
      "Content-Type: text/plain\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
  send_all(fd_, req.data(), req.size(), where);
  std::string raw;
  char buf[4096];
  size_t end;
  while ((end = raw.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd_);
      fd_ = -1;
      throw UserError(where + ": no answer to attaching container " + container_id);
    }
    raw.append(buf, static_cast<size_t>(n));
  }
  if (raw.rfind("HTTP/1.1 101", 0) != 0 && raw.rfind("HTTP/1.1 200", 0) != 0) {
    std::string first = raw.substr(0, raw.find("\r\n"));
    ::close(fd_);
    fd_ = -1;
    throw UserError(where + ": attaching container " + container_id + " failed: " + first);
  }
  pending_ = raw.substr(end + 4);
}

AttachedStream::~AttachedStream() {
  if (fd_ >= 0) ::close(fd_);
}

void AttachedStream::write_stdin(const char* data, size_t size) {
  send_all(fd_, data, size, "attached container");
}

void AttachedStream::close_stdin() { ::shutdown(fd_, SHUT_WR); }

bool AttachedStream::read_exact(char* dst, size_t n) {
  size_t take = std::min(n, pending_.size());
  std::memcpy(dst, pending_.data(), take);
  pending_.erase(0, take);
  size_t got = take;
  while (got < n) {
    ssize_t r = ::recv(fd_, dst + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

bool AttachedStream::read_frame(int& stream, std::string& payload) {
  unsigned char h[8];
  if (!read_exact(reinterpret_cast<char*>(h), 8)) return false;
  stream = h[0];
  size_t size = (size_t{h[4]} << 24) | (size_t{h[5]} << 16) | (size_t{h[6]} << 8) | size_t{h[7]};
  payload.resize(size);
  return read_exact(payload.data(), size);
}

}  // namespace rehome::import
