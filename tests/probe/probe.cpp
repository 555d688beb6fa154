// probe: the tiny static program inside the test images (FROM scratch: no shell, no curl, no libc
// on the image). It stands in for a real service in tests of generated stacks:
//
//   probe                      serve HTTP on $PROBE_PORT (default 8080):
//                                GET /health  -> 200 "ok"  (503 while $PROBE_REQUIRE_FILE is missing)
//                                GET /metrics -> Prometheus text (probe_up, probe_memory_bytes)
//                              $PROBE_MEMORY=N allocates and touches N MiB at start, so memory
//                              limits and reservations can be exercised with real pages.
//   probe --check URL          GET http://127.0.0.1:PORT/path; exit 0 on 200, else 1 (HEALTHCHECK)
//   probe --version
//
// Plain POSIX sockets and no iostreams keep the static binary small and free of NSS lookups.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

volatile sig_atomic_t stop_requested = 0;

void on_signal(int) { stop_requested = 1; }

long env_number(const char* name, long fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  long n = std::strtol(v, &end, 10);
  if (end == v || *end != '\0' || n < 0) {
    std::fprintf(stderr, "probe: %s=%s is not a non-negative number\n", name, v);
    std::exit(2);
  }
  return n;
}

bool write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t w = ::write(fd, data.data() + done, data.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    done += static_cast<size_t>(w);
  }
  return true;
}

// Reads until the end of the request headers (or 8 KiB, or 2 s of silence).
std::string read_request(int fd) {
  std::string request;
  char buffer[1024];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 8192) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 2000) <= 0) break;
    ssize_t r = ::read(fd, buffer, sizeof buffer);
    if (r <= 0) break;
    request.append(buffer, static_cast<size_t>(r));
  }
  return request;
}

std::string response(int status, const char* reason, const std::string& body, const char* type) {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

std::string handle(const std::string& request, long memory_bytes) {
  size_t sp1 = request.find(' ');
  size_t sp2 = sp1 == std::string::npos ? sp1 : request.find(' ', sp1 + 1);
  if (sp2 == std::string::npos) return response(400, "Bad Request", "bad request\n", "text/plain");
  std::string method = request.substr(0, sp1);
  std::string path = request.substr(sp1 + 1, sp2 - sp1 - 1);
  if (method != "GET" && method != "HEAD")
    return response(405, "Method Not Allowed", "GET only\n", "text/plain");
  if (path == "/health") {
    const char* required = std::getenv("PROBE_REQUIRE_FILE");
    if (required != nullptr && *required != '\0' && ::access(required, R_OK) != 0) {
      return response(503, "Service Unavailable", std::string("missing ") + required + "\n", "text/plain");
    }
    return response(200, "OK", "ok\n", "text/plain");
  }
  if (path == "/metrics") {
    std::string body =
        "# HELP probe_up 1 while the probe serves.\n# TYPE probe_up gauge\nprobe_up 1\n"
        "# HELP probe_memory_bytes Memory the probe allocated and touched.\n"
        "# TYPE probe_memory_bytes gauge\nprobe_memory_bytes " +
        std::to_string(memory_bytes) + "\n";
    return response(200, "OK", body, "text/plain; version=0.0.4");
  }
  return response(404, "Not Found", "not found\n", "text/plain");
}

int serve() {
  long port = env_number("PROBE_PORT", 8080);
  long memory_mib = env_number("PROBE_MEMORY", 0);
  long memory_bytes = memory_mib * 1024 * 1024;
  if (memory_bytes > 0) {
    // Touch every page so the memory is resident and counted by the cgroup, not just reserved.
    auto* block = static_cast<volatile char*>(std::malloc(static_cast<size_t>(memory_bytes)));
    if (block == nullptr) {
      std::fprintf(stderr, "probe: cannot allocate %ld MiB\n", memory_mib);
      return 1;
    }
    for (long i = 0; i < memory_bytes; i += 4096) block[i] = 1;
  }

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  ::sigaction(SIGTERM, &sa, nullptr);  // PID 1 in a container ignores SIGTERM without a handler
  ::sigaction(SIGINT, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener, 64) != 0) {
    std::fprintf(stderr, "probe: cannot listen on port %ld: %s\n", port, std::strerror(errno));
    return 1;
  }
  std::fprintf(stderr, "probe: listening on :%ld, %ld MiB held\n", port, memory_mib);
  while (!stop_requested) {
    pollfd p{listener, POLLIN, 0};
    if (::poll(&p, 1, 500) <= 0) continue;
    int client = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    write_all(client, handle(read_request(client), memory_bytes));
    ::close(client);
  }
  ::close(listener);
  return 0;
}

// probe --check http://127.0.0.1:8080/health : exit 0 when the answer is 200.
int check(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) {
    std::fprintf(stderr, "probe --check: only http:// URLs: %s\n", url.c_str());
    return 2;
  }
  std::string rest = url.substr(scheme.size());
  size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = hostport.rfind(':');
  std::string host = hostport.substr(0, colon);
  long port = colon == std::string::npos ? 80 : std::strtol(hostport.c_str() + colon + 1, nullptr, 10);
  if (host == "localhost") host = "127.0.0.1";

  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    std::fprintf(stderr, "probe --check: host must be an IPv4 address: %s\n", host.c_str());
    return 2;
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::fprintf(stderr, "probe --check: %s: %s\n", url.c_str(), std::strerror(errno));
    return 1;
  }
  write_all(fd, "GET " + path + " HTTP/1.0\r\nHost: " + hostport + "\r\n\r\n");
  std::string answer = read_request(fd);
  ::close(fd);
  bool ok = answer.rfind("HTTP/1.1 200", 0) == 0 || answer.rfind("HTTP/1.0 200", 0) == 0;
  if (!ok)
    std::fprintf(stderr, "probe --check: %s: %s\n", url.c_str(), answer.substr(0, answer.find('\r')).c_str());
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "--version") == 0) {
    std::puts("probe 1");
    return 0;
  }
  if (argc == 3 && std::strcmp(argv[1], "--check") == 0) return check(argv[2]);
  if (argc != 1) {
    std::fprintf(stderr, "usage: probe | probe --check http://127.0.0.1:PORT/health | probe --version\n");
    return 2;
  }
  return serve();
}
