#include "engines/docker_stream.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/error.hpp"
#include "engines/http_response.hpp"

namespace rehome::engines {
namespace {

// A data stream's idle limit: recv and send on the socket give up (EAGAIN) after it.
void set_idle_timeout(int fd, std::chrono::seconds idle) {
  if (idle.count() <= 0) return;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(idle.count());
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

bool timed_out(ssize_t n) { return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK); }

// Nothing moved on a stream's socket for its whole idle limit.
struct IdleTimeout : UserError {
  using UserError::UserError;
};

[[noreturn]] void idle_error(const std::string& where) {
  throw IdleTimeout(
      where +
          ": nothing moved for the stream's idle limit: the engine, or the link to its server, "
          "stopped answering",
      "check that the server is up and reachable (a longer limit: --idle-timeout), then run the "
      "same command again: what was finished is kept");
}

void send_all(int fd, const char* data, size_t size, const std::string& where) {
  size_t sent = 0;
  while (sent < size) {
    ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (timed_out(n)) idle_error(where);
    if (n < 0)
      throw UserError(where + ": the connection broke while sending: " + std::strerror(errno),
                      "check that the engine is still running, then run the same command again");
    sent += static_cast<size_t>(n);
  }
}

// The status line and headers of a response read from `fd` (up to the blank line); `rest` gets the
// body bytes that came with them.
std::string read_head(int fd, const std::string& where, std::string& rest) {
  std::string raw;
  char buf[16384];
  size_t end;
  while ((end = raw.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (timed_out(n)) idle_error(where);
    if (n <= 0) throw UserError(where + ": the engine closed the connection before answering");
    raw.append(buf, static_cast<size_t>(n));
  }
  rest = raw.substr(end + 4);
  std::string head = raw.substr(0, end + 2);
  for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return head;
}

int status_of(const std::string& head) {
  return head.rfind("http/1.", 0) == 0 && head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
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
                          const std::string& content_type, std::chrono::seconds idle) const {
  const std::string where = "Docker socket " + socket_path_;
  int fd = connect_docker_socket(socket_path_);
  set_idle_timeout(fd, idle);
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
      if (timed_out(n)) idle_error(where);
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
  return checked(method, path, call(method, path, body.is_null() ? std::string() : body.dump()));
}

nlohmann::json DockerApi::checked(const std::string& method, const std::string& path,
                                  const ApiAnswer& a) const {
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

AttachedStream::AttachedStream(const std::string& socket_path, const std::string& container_id,
                               std::chrono::seconds idle)
    : idle_(idle), where_("Docker socket " + socket_path) {
  fd_ = connect_docker_socket(socket_path);
  set_idle_timeout(fd_, idle);
  const std::string& where = where_;
  std::string req =
      "POST /containers/" + container_id +
      "/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: docker\r\nUser-Agent: rehome\r\n"
      "Content-Type: text/plain\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
  std::string head;
  try {
    send_all(fd_, req.data(), req.size(), where);
    head = read_head(fd_, where, pending_);
  } catch (const std::exception&) {
    ::close(fd_);
    fd_ = -1;
    throw UserError(where + ": no answer to attaching container " + container_id);
  }
  if (int status = status_of(head); status != 101 && status != 200) {
    ::close(fd_);
    fd_ = -1;
    throw UserError(where + ": attaching container " + container_id +
                    " failed: " + head.substr(0, head.find('\r')));
  }
}

AttachedStream::~AttachedStream() {
  if (fd_ >= 0) ::close(fd_);
}

void AttachedStream::write_stdin(const char* data, size_t size, const std::function<bool()>& gone) {
  using clock = std::chrono::steady_clock;
  size_t sent = 0;
  auto moved = clock::now();
  while (sent < size) {
    ssize_t n = ::send(fd_, data + sent, size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      moved = clock::now();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (!timed_out(n))
      throw UserError(where_ + ": the connection broke while sending: " + std::strerror(errno),
                      "check that the engine is still running, then run the same command again");
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, 1000) != 0) continue;  // writable, or an error the next send names
    if (gone && gone()) throw ContainerGone(where_ + ": the container stopped; nothing more reaches it");
    if (clock::now() - moved >= idle_) {
      stalled_ = true;
      idle_error(where_);
    }
  }
}

void AttachedStream::close_stdin() { ::shutdown(fd_, SHUT_WR); }

bool AttachedStream::read_exact(char* dst, size_t n) {
  size_t got = 0;
  while (got < n) {
    if (pending_pos_ < pending_.size()) {
      size_t take = std::min(n - got, pending_.size() - pending_pos_);
      std::memcpy(dst + got, pending_.data() + pending_pos_, take);
      pending_pos_ += take;
      got += take;
      continue;
    }
    if (n - got >= (64u << 10)) {  // a large payload: straight into its place
      ssize_t r = ::recv(fd_, dst + got, n - got, 0);
      if (r < 0 && errno == EINTR) continue;
      if (timed_out(r)) {
        stalled_ = true;
        idle_error(where_);
      }
      if (r <= 0) return false;
      got += static_cast<size_t>(r);
      continue;
    }
    pending_.resize(256u << 10);
    pending_pos_ = 0;
    ssize_t r;
    do r = ::recv(fd_, pending_.data(), pending_.size(), 0);
    while (r < 0 && errno == EINTR);
    if (timed_out(r)) {
      stalled_ = true;
      idle_error(where_);
    }
    if (r <= 0) {
      pending_.clear();
      return false;
    }
    pending_.resize(static_cast<size_t>(r));
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

namespace {

// Incremental de-chunking: feeds the data of a chunked body to `sink`, in place, as it arrives.
class Dechunker {
 public:
  explicit Dechunker(const std::function<void(const char*, size_t)>& sink) : sink_(sink) {}
  // False once the last chunk was seen.
  bool feed(const char* p, size_t n, const std::string& where) {
    const char* end = p + n;
    while (p < end && state_ != kDone) {
      if (state_ == kData) {
        size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, static_cast<uint64_t>(end - p)));
        sink_(p, take);
        p += take;
        remaining_ -= take;
        if (remaining_ == 0) state_ = kDataEnd;
        continue;
      }
      char c = *p++;
      if (c != '\n') {
        if (line_.size() > 1024) throw UserError(where + ": malformed chunked answer");
        line_ += c;
        continue;
      }
      if (state_ == kDataEnd) {
        state_ = kSize;
      } else {
        size_t semi = line_.find_first_of(";\r");
        std::string hex = line_.substr(0, semi);
        if (hex.empty()) throw UserError(where + ": malformed chunked answer");
        remaining_ = std::stoull(hex, nullptr, 16);
        state_ = remaining_ == 0 ? kDone : kData;
      }
      line_.clear();
    }
    return state_ != kDone;
  }

 private:
  enum State { kSize, kData, kDataEnd, kDone };
  const std::function<void(const char*, size_t)>& sink_;
  State state_ = kSize;
  uint64_t remaining_ = 0;
  std::string line_;
};

}  // namespace

void DockerApi::download(const std::string& path, const std::function<void(const char*, size_t)>& sink,
                         std::chrono::seconds idle) const {
  const std::string where = "Docker socket " + socket_path_;
  int fd = connect_docker_socket(socket_path_);
  set_idle_timeout(fd, idle);
  try {
    std::string req =
        "GET " + path + " HTTP/1.1\r\nHost: docker\r\nUser-Agent: rehome\r\nConnection: close\r\n\r\n";
    send_all(fd, req.data(), req.size(), where);
    std::string rest;
    std::string head = read_head(fd, where, rest);
    int status = status_of(head);
    bool chunked = head.find("\r\ntransfer-encoding: chunked") != std::string::npos;
    if (status < 200 || status >= 300) {
      std::string body = rest;
      char buf[16384];
      ssize_t n;
      while (body.size() < 65536 && (n = ::recv(fd, buf, sizeof(buf), 0)) > 0)
        body.append(buf, static_cast<size_t>(n));
      if (chunked) {
        try {
          body = decode_chunked(body, where);
        } catch (const std::exception&) {
        }
      }
      auto json = nlohmann::json::parse(body, nullptr, false);
      std::string message = json.is_object() && json.contains("message") && json["message"].is_string()
                                ? json["message"].get<std::string>()
                                : body.substr(0, 200);
      throw UserError(
          where + ": GET " + path + " failed with HTTP " + std::to_string(status) + ": " + message,
          "check the engine's log");
    }
    Dechunker dechunk(sink);
    bool more = true;
    if (!rest.empty())
      more = chunked ? dechunk.feed(rest.data(), rest.size(), where) : (sink(rest.data(), rest.size()), true);
    std::string buf(1u << 20, '\0');
    while (more) {
      ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (timed_out(n)) idle_error(where);
      if (n < 0) throw UserError(where + ": reading the answer to GET " + path + ": " + std::strerror(errno));
      if (n == 0) {
        if (chunked) throw UserError(where + ": the answer to GET " + path + " was cut short");
        break;
      }
      if (chunked)
        more = dechunk.feed(buf.data(), static_cast<size_t>(n), where);
      else
        sink(buf.data(), static_cast<size_t>(n));
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

UploadStream::UploadStream(const std::string& socket_path, const std::string& method, const std::string& path,
                           const std::string& content_type, std::chrono::seconds idle)
    : where_("Docker socket " + socket_path) {
  fd_ = connect_docker_socket(socket_path);
  set_idle_timeout(fd_, idle);
  std::string req = method + " " + path +
                    " HTTP/1.1\r\nHost: docker\r\nUser-Agent: rehome\r\nConnection: close\r\nContent-Type: " +
                    content_type + "\r\nTransfer-Encoding: chunked\r\n\r\n";
  try {
    send_all(fd_, req.data(), req.size(), where_);
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

UploadStream::~UploadStream() {
  if (fd_ >= 0) ::close(fd_);
}

void UploadStream::write(const char* data, size_t size) {
  pending_.append(data, size);
  if (pending_.size() >= (1u << 20)) send_chunk();
}

void UploadStream::send_chunk() {
  if (pending_.empty()) return;
  char head[32];
  int n = std::snprintf(head, sizeof(head), "%zx\r\n", pending_.size());
  pending_ += "\r\n";
  send_all(fd_, head, static_cast<size_t>(n), where_);
  send_all(fd_, pending_.data(), pending_.size(), where_);
  pending_.clear();
}

ApiAnswer UploadStream::finish() {
  send_chunk();
  send_all(fd_, "0\r\n\r\n", 5, where_);
  std::string raw;
  char buf[16384];
  while (true) {
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (timed_out(n)) idle_error(where_);
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
    if (response_complete(raw)) break;
  }
  auto response = parse_http_response(raw, where_);
  if (!response) throw UserError(where_ + " does not answer HTTP: it is not a Docker engine's socket");
  return {response->status, response->body};
}

}  // namespace rehome::engines
