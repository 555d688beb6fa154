#include "real/harness/server_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

namespace rehome::test {
namespace fs = std::filesystem;

RunAs server_user() {
  RunAs user;
  user.uid = ::getuid();
  user.gid = ::getgid();
  if (user.uid != 0) return user;
  for (const char* name : {"postgres", "nobody"}) {
    if (const passwd* pw = ::getpwnam(name)) {
      user.uid = pw->pw_uid;
      user.gid = pw->pw_gid;
      user.switch_user = true;
      user.name = name;
      return user;
    }
  }
  throw std::runtime_error(
      "running as root and neither a `postgres` nor a `nobody` user exists to run servers as");
}

fs::path make_server_dir(const std::string& prefix, const RunAs& user) {
  sweep_leftover_servers();
  std::string pattern = (fs::temp_directory_path() / fmt::format("rehome-{}-XXXXXX", prefix)).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error(fmt::format("mkdtemp {}: {}", pattern, std::strerror(errno)));
  }
  fs::path dir = pattern;
  std::ofstream(dir / "owner.pid") << ::getpid() << "\n";
  if (user.switch_user && ::chown(dir.c_str(), user.uid, user.gid) != 0) {
    throw std::runtime_error(fmt::format("chown {}: {}", dir.string(), std::strerror(errno)));
  }
  return dir;
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("bind 127.0.0.1:0: " + std::string(std::strerror(errno)));
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

pid_t spawn(const std::vector<std::string>& argv, const SpawnOptions& options) {
  if (argv.empty()) throw std::runtime_error("spawn: empty command");
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(fmt::format("fork for {}: {}", argv[0], std::strerror(errno)));
  if (pid == 0) {
    int log = ::open(options.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (log >= 0) {
      ::dup2(log, 1);
      ::dup2(log, 2);
      if (options.user.switch_user && ::fchown(log, options.user.uid, options.user.gid) != 0) _exit(126);
    }
    if (null >= 0) ::dup2(null, 0);
    ::setsid();  // own process group: a terminal's ^C reaches the test, which then stops us cleanly
    if (options.user.switch_user) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(options.user.gid) != 0 ||
          ::setuid(options.user.uid) != 0) {
        _exit(126);
      }
    }
    // After setuid: changing the uid clears the parent-death signal.
    if (options.die_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) _exit(125);  // the parent died before prctl
    }
    for (const auto& [k, v] : options.env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

namespace {
int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}
}  // namespace

int wait_child(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return decode_status(status);
}

bool child_alive(pid_t pid) {
  if (pid <= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(pid, &status, WNOHANG);
  if (r == 0) return true;
  if (r < 0 && errno == ECHILD) return ::kill(pid, 0) == 0;  // not our child (e.g. swept): probe it
  return false;
}

void stop_child(pid_t pid, int first_signal, std::chrono::milliseconds grace) {
  if (pid <= 0) return;
  if (!child_alive(pid)) return;
  ::kill(pid, first_signal);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!child_alive(pid)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

int start_on_free_port(const std::function<void(int port)>& start, const std::function<void()>& stop,
                       const fs::path& log, const std::string& port_taken_marker) {
  for (int attempt = 0;; ++attempt) {
    int port = free_port();
    try {
      start(port);
      return port;
    } catch (const std::exception&) {
      stop();
      if (attempt == 4 || log_tail(log).find(port_taken_marker) == std::string::npos) throw;
    }
  }
}

void remove_server_dir(const fs::path& dir, bool keep) {
  std::error_code ec;
  if (!keep) fs::remove_all(dir, ec);
}

void record_server_pid(const fs::path& dir, pid_t pid) { std::ofstream(dir / "server.pid") << pid << "\n"; }

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string log_tail(const fs::path& path, size_t max_chars) {
  std::string text = slurp(path);
  if (text.size() > max_chars) text = "..." + text.substr(text.size() - max_chars);
  return text;
}

namespace {

// A zombie (dead, not yet reaped by a slow init) still answers kill(pid, 0): count it as gone.
bool process_exists(pid_t pid) {
  if (pid <= 0 || (::kill(pid, 0) != 0 && errno != EPERM)) return false;
  std::string stat = slurp(fs::path("/proc") / std::to_string(pid) / "stat");
  size_t paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] != 'Z';
}

pid_t read_pid(const fs::path& file) {
  try {
    return static_cast<pid_t>(std::stol(slurp(file)));
  } catch (...) {
    return 0;
  }
}

// Guards against killing an unrelated process that reused the pid: the recorded server must still
// be a postgres or redis process.
bool looks_like_our_server(pid_t pid) {
  std::string cmdline = slurp(fs::path("/proc") / std::to_string(pid) / "cmdline");
  return cmdline.find("postgres") != std::string::npos || cmdline.find("redis") != std::string::npos;
}

}  // namespace

void sweep_leftover_servers() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(fs::temp_directory_path(), ec)) {
      std::string name = entry.path().filename().string();
      if (name.rfind("rehome-", 0) != 0 || !fs::exists(entry.path() / "owner.pid", ec)) continue;
      pid_t owner = read_pid(entry.path() / "owner.pid");
      if (owner == ::getpid() || process_exists(owner)) continue;
      pid_t server = read_pid(entry.path() / "server.pid");
      if (process_exists(server) && looks_like_our_server(server)) ::kill(server, SIGKILL);
      fs::remove_all(entry.path(), ec);
    }
  });
}

}  // namespace rehome::test
