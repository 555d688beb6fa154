#include "real/harness/redis_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "common/process.hpp"
#include "real/harness/server_process.hpp"

namespace rehome::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Sends an inline PING; any reply (+PONG, or -NOAUTH when a password is set) means it is up.
bool answers_ping(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const char ping[] = "PING\r\n";
    char reply[64] = {};
    timeval tv{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::write(fd, ping, sizeof ping - 1) == static_cast<ssize_t>(sizeof ping - 1)) {
      ssize_t n = ::read(fd, reply, sizeof reply - 1);
      ok = n > 0 && (reply[0] == '+' || reply[0] == '-') &&
           std::string(reply).find("LOADING") == std::string::npos;
    }
  }
  ::close(fd);
  return ok;
}

}  // namespace

RedisServer::RedisServer(RedisOptions options) : options_(std::move(options)) {
  require_program("redis-server", "redis-server");
  RunAs me;  // redis runs fine as root; no user switch needed
  me.uid = ::getuid();
  me.gid = ::getgid();
  folder_ = make_server_dir("redis", me);
  try {
    port_ = start_on_free_port(
        [this](int port) {
          port_ = port;
          launch();
          wait_ready();
        },
        [this] { stop(); }, folder_ / "redis.log", "Address already in use");
  } catch (...) {
    stop();
    remove_server_dir(folder_, options_.keep_folder);
    throw;
  }
}

RedisServer::~RedisServer() {
  stop();
  remove_server_dir(folder_, options_.keep_folder);
}

void RedisServer::launch() {
  std::vector<std::string> argv = {find_program("redis-server")->string(),
                                   "--port",
                                   std::to_string(port_),
                                   "--bind",
                                   "127.0.0.1",
                                   "--dir",
                                   folder_.string(),
                                   "--save",
                                   "",
                                   "--appendonly",
                                   "no",
                                   "--daemonize",
                                   "no",
                                   "--protected-mode",
                                   "no",
                                   "--logfile",
                                   ""};
  if (!options_.password.empty()) {
    argv.push_back("--requirepass");
    argv.push_back(options_.password);
  }
  argv.insert(argv.end(), options_.settings.begin(), options_.settings.end());
  RunAs me;
  me.uid = ::getuid();
  me.gid = ::getgid();
  pid_ = spawn(argv, {.log_file = folder_ / "redis.log", .user = me});
  record_server_pid(folder_, pid_);
}

void RedisServer::wait_ready() {
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!child_alive(pid_)) {
      pid_ = -1;
      throw std::runtime_error(
          fmt::format("redis-server exited during startup:\n{}", log_tail(folder_ / "redis.log")));
    }
    if (answers_ping(port_)) return;
    std::this_thread::sleep_for(20ms);
  }
  throw std::runtime_error(
      fmt::format("redis-server not ready after 30 s:\n{}", log_tail(folder_ / "redis.log")));
}

bool RedisServer::running() const { return child_alive(pid_); }

void RedisServer::stop() {
  stop_child(pid_, SIGTERM, 10s);
  pid_ = -1;
}

void RedisServer::start() {
  if (running()) return;
  launch();
  wait_ready();
}

std::string RedisServer::url(int db) const { return url_with_password(options_.password, db); }

std::string RedisServer::url_with_password(const std::string& password, int db) const {
  std::string auth = password.empty() ? std::string() : fmt::format(":{}@", password);
  std::string path = db >= 0 ? fmt::format("/{}", db) : std::string();
  return fmt::format("redis://{}127.0.0.1:{}{}", auth, port_, path);
}

namespace {
std::vector<std::string> cli_prefix(int port, int db) {
  return {"redis-cli", "-h", "127.0.0.1", "-p", std::to_string(port), "-n", std::to_string(db)};
}
ProcessOptions cli_options(const std::string& password, std::string stdin_data = {}) {
  ProcessOptions options{.stdin_data = std::move(stdin_data), .timeout = 300s};
  if (!password.empty()) options.env["REDISCLI_AUTH"] = password;  // not on the command line
  return options;
}
}  // namespace

std::string RedisServer::cli(const std::vector<std::string>& args, int db) const {
  auto argv = cli_prefix(port_, db);
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = run_process(argv, cli_options(options_.password));
  std::string out = result.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  if (!result.ok() || out.rfind("ERR", 0) == 0 || out.rfind("NOAUTH", 0) == 0 ||
      out.rfind("WRONGPASS", 0) == 0) {
    throw std::runtime_error(
        fmt::format("redis-cli {} failed: {}{}", args.empty() ? "" : args[0], out, result.err));
  }
  return out;
}

void RedisServer::pipe(const std::string& commands, int db) const {
  // Convert "SET k v" lines to RESP so values may hold anything but spaces and newlines.
  std::ostringstream resp;
  std::istringstream lines(commands);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::vector<std::string> argv;
    for (std::string w; words >> w;) argv.push_back(w);
    if (argv.empty()) continue;
    resp << '*' << argv.size() << "\r\n";
    for (const auto& w : argv) resp << '$' << w.size() << "\r\n" << w << "\r\n";
  }
  auto argv = cli_prefix(port_, db);
  argv.push_back("--pipe");
  auto result = run_process(argv, cli_options(options_.password, resp.str()));
  if (!result.ok() || result.out.find("errors: 0") == std::string::npos) {
    throw std::runtime_error("redis-cli --pipe failed: " + result.out + result.err);
  }
}

}  // namespace rehome::test
