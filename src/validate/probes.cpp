#include "validate/probes.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/secrets.hpp"
#include "engines/mariadb_connection.hpp"
#include "engines/postgres.hpp"
#include "engines/redis.hpp"

namespace rehome::validate {
namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// A non-blocking connect bounded by the timeout; the socket stays open in `out`.
Measurement connect_socket(const std::string& host, int port, int timeout_ms, Fd& out) {
  Measurement m;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0) {
    m.error = fmt::format("cannot resolve {}: {}", host, gai_strerror(rc));
    return m;
  }
  auto start = Clock::now();
  out.fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int rc = ::connect(out.fd, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  if (rc != 0 && errno != EINPROGRESS) {
    m.error = fmt::format("{}:{}: {}", host, port, std::strerror(errno));
    return m;
  }
  if (rc != 0) {
    pollfd p{out.fd, POLLOUT, 0};
    int n = ::poll(&p, 1, timeout_ms);
    if (n == 0) {
      m.error = fmt::format("{}:{}: no answer within {} ms", host, port, timeout_ms);
      return m;
    }
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(out.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      m.error = fmt::format("{}:{}: {}", host, port, std::strerror(err));
      return m;
    }
  }
  m.ok = true;
  m.ms = ms_since(start);
  return m;
}

}  // namespace

Measurement tcp_connect(const std::string& host, int port, int timeout_ms) {
  Fd fd;
  return connect_socket(host, port, timeout_ms, fd);
}

HttpResult http_get(const HttpUrl& url, int timeout_ms) {
  HttpResult r;
  Fd fd;
  auto start = Clock::now();
  static_cast<Measurement&>(r) = connect_socket(url.host, url.port, timeout_ms, fd);
  if (!r.ok) return r;
  std::string request = fmt::format(
      "GET {} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: rehome-validate\r\n"
      "Accept: */*\r\nConnection: close\r\n\r\n",
      url.path, url.host, url.port);
  std::string raw;
  size_t sent = 0;
  auto deadline = start + std::chrono::milliseconds(timeout_ms);
  while (true) {
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    if (left <= 0) {
      r.ok = false;
      r.error =
          fmt::format("{}:{}{}: no complete answer within {} ms", url.host, url.port, url.path, timeout_ms);
      return r;
    }
    pollfd p{fd.fd, static_cast<short>(sent < request.size() ? POLLOUT : POLLIN), 0};
    if (::poll(&p, 1, left) <= 0) continue;
    if (sent < request.size()) {
      ssize_t n = ::send(fd.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN) break;
      if (n > 0) sent += static_cast<size_t>(n);
      continue;
    }
    char buf[8192];
    ssize_t n = ::recv(fd.fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EAGAIN) continue;
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
    if (raw.size() > 4 * 1024 * 1024 || engines::response_complete(raw)) break;
  }
  r.ms = ms_since(start);
  std::optional<engines::HttpResponse> parsed;
  try {
    parsed = engines::parse_http_response(raw, fmt::format("{}:{}{}", url.host, url.port, url.path));
  } catch (const UserError& e) {  // cut short or badly framed
    r.ok = false;
    r.error = e.what();
    return r;
  }
  if (!parsed) {
    r.ok = false;
    r.error = fmt::format("{}:{}{}: not an HTTP answer", url.host, url.port, url.path);
    return r;
  }
  r.response = *parsed;
  return r;
}

Measurement postgres_query(const std::string& url, const std::string& query, int timeout_ms) {
  Measurement m;
  try {
    engines::PgConnection conn(engines::parse_pg_url(url, "postgres probe", engines::PgDatabase::optional),
                               "", engines::PgOptions{.connect_timeout = std::max(1, timeout_ms / 1000)});
    auto start = Clock::now();
    std::string message;
    bool ok = conn.try_exec(query, &message).empty();
    m.ms = ms_since(start);
    if (ok)
      m.ok = true;
    else
      m.error = fmt::format("{}: query failed: {}", conn.masked_url(), message);
  } catch (const UserError& e) {
    m.error = mask_secrets(e.what());
  }
  return m;
}

Measurement mariadb_query(const std::string& url, const std::string& query, int timeout_ms) {
  Measurement m;
  try {
    auto seconds = static_cast<unsigned>(std::max(1, timeout_ms / 1000));
    engines::MariadbConnection conn(engines::parse_mariadb_url(url, "mariadb probe"), "database",
                                    {.connect_timeout_seconds = seconds, .read_timeout_seconds = seconds});
    auto start = Clock::now();
    conn.query(query);
    m.ms = ms_since(start);
    m.ok = true;
  } catch (const UserError& e) {
    m.error = mask_secrets(e.what());
  }
  return m;
}

Measurement redis_ping(const std::string& url, int timeout_ms) {
  Measurement m;
  try {
    engines::RedisConnection conn(
        engines::parse_redis_url(url, "redis probe"), "",
        engines::RedisOptions{.connect_timeout_ms = timeout_ms, .command_timeout_ms = timeout_ms});
    auto start = Clock::now();
    auto reply = conn.command({"PING"}, true);
    m.ms = ms_since(start);
    if (!engines::is_error(reply.get()))
      m.ok = true;
    else
      m.error = fmt::format("{}: PING failed: {}", conn.masked_url(), engines::reply_string(reply.get()));
  } catch (const UserError& e) {
    m.error = mask_secrets(e.what());
  }
  return m;
}

std::string read_proc(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<double> disk_used_share(const std::string& path) {
  struct statvfs s {};
  if (::statvfs(path.c_str(), &s) != 0 || s.f_blocks == 0) return std::nullopt;
  double total = static_cast<double>(s.f_blocks);
  return (total - static_cast<double>(s.f_bavail)) / total;
}

}  // namespace rehome::validate
