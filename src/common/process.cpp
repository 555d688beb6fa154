#include "common/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

#include <fmt/format.h>

#include "common/error.hpp"

namespace rehome {
namespace {

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// The processes whose /proc/<pid>/environ holds `tag` as a whole entry (this process excluded).
std::vector<int> tagged(const std::string& tag) {
  std::vector<int> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() ||
        !std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
      continue;
    const int pid = std::stoi(name);
    if (pid == ::getpid()) continue;
    std::ifstream in(entry.path() / "environ", std::ios::binary);
    if (!in) continue;
    const std::string env((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (env.rfind(tag + '\0', 0) == 0 || env.find('\0' + tag + '\0') != std::string::npos) out.push_back(pid);
  }
  return out;
}

}  // namespace

std::vector<int> end_tagged_processes(const std::string& tag, std::chrono::milliseconds grace) {
  std::vector<int> found;
  // A process seen for the first time gets its SIGTERM then: one a tagged shell forked meanwhile, or
  // one in the middle of an exec, whose environ reads empty for that moment (seen under load: the
  // first look missed a detached `sleep`, the next found it).
  auto terminate_new = [&](const std::vector<int>& seen) {
    for (int pid : seen)
      if (std::find(found.begin(), found.end(), pid) == found.end()) {
        found.push_back(pid);
        ::kill(pid, SIGTERM);
      }
  };
  terminate_new(tagged(tag));
  auto until = std::chrono::steady_clock::now() + grace;
  bool killed = false;
  for (;;) {
    auto left = tagged(tag);
    if (left.empty()) break;
    if (!killed) terminate_new(left);
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) {
      if (killed) break;  // 5 s after SIGKILL: a process stuck in the kernel; leave it
      for (int pid : left) ::kill(pid, SIGKILL);
      killed = true;
      until = now + std::chrono::seconds(5);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return found;
}

std::optional<std::filesystem::path> find_program(const std::string& name,
                                                  const std::vector<std::filesystem::path>& extra_dirs) {
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) == 0) return std::filesystem::path(name);
    return std::nullopt;
  }
  std::vector<std::filesystem::path> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::string p = path;
    size_t start = 0;
    while (start <= p.size()) {
      size_t end = p.find(':', start);
      if (end == std::string::npos) end = p.size();
      if (end > start) dirs.emplace_back(p.substr(start, end - start));
      start = end + 1;
    }
  }
  dirs.insert(dirs.end(), extra_dirs.begin(), extra_dirs.end());
  for (const auto& dir : dirs) {
    auto candidate = dir / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

std::filesystem::path require_program(const std::string& name, const std::string& debian_package,
                                      const std::vector<std::filesystem::path>& extra_dirs) {
  if (auto found = find_program(name, extra_dirs)) return *found;
  throw UserError(fmt::format("{} not found on PATH", name),
                  fmt::format("install it: apt-get install {}", debian_package));
}

std::optional<std::filesystem::path> postgres_bin_dir() {
  std::error_code ec;
  std::filesystem::path root = "/usr/lib/postgresql";
  std::optional<std::filesystem::path> best;
  int best_version = -1;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    int version = std::atoi(entry.path().filename().c_str());
    if (version > best_version && std::filesystem::exists(entry.path() / "bin" / "pg_ctl")) {
      best_version = version;
      best = entry.path() / "bin";
    }
  }
  return best;
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  if (argv.empty()) throw UserError("run_process: empty command");
  auto program = find_program(argv[0]);
  if (!program) {
    throw UserError(fmt::format("cannot run {}: not found on PATH", argv[0]),
                    "install the Debian package that provides it");
  }

  int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
  if (::pipe2(in_pipe, O_CLOEXEC) != 0 || (options.capture_stdout && ::pipe2(out_pipe, O_CLOEXEC) != 0) ||
      (options.capture_stderr && ::pipe2(err_pipe, O_CLOEXEC) != 0)) {
    throw UserError(fmt::format("cannot create pipes to run {}: {}", argv[0], std::strerror(errno)));
  }

  pid_t pid = ::fork();
  if (pid < 0) throw UserError(fmt::format("cannot start {}: {}", argv[0], std::strerror(errno)));
  if (pid == 0) {
    ::dup2(in_pipe[0], 0);
    if (options.capture_stdout) ::dup2(out_pipe[1], 1);
    if (options.capture_stderr) ::dup2(err_pipe[1], 2);
    if (options.cwd && ::chdir(options.cwd->c_str()) != 0) _exit(127);
    for (const auto& [k, v] : options.env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(program->c_str(), args.data());
    _exit(127);
  }

  close_fd(in_pipe[0]);
  close_fd(out_pipe[1]);
  close_fd(err_pipe[1]);
  ::fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);

  ProcessResult result;
  size_t written = 0;
  if (options.stdin_data.empty()) close_fd(in_pipe[1]);
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  char buffer[65536];
  while (out_pipe[0] >= 0 || err_pipe[0] >= 0 || in_pipe[1] >= 0) {
    std::vector<pollfd> fds;
    if (in_pipe[1] >= 0) fds.push_back({in_pipe[1], POLLOUT, 0});
    if (out_pipe[0] >= 0) fds.push_back({out_pipe[0], POLLIN, 0});
    if (err_pipe[0] >= 0) fds.push_back({err_pipe[0], POLLIN, 0});
    int wait_ms = -1;
    if (options.timeout.count() > 0) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        ::kill(pid, SIGKILL);
        result.timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(left.count());
    }
    int n = ::poll(fds.data(), fds.size(), wait_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    for (const auto& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == in_pipe[1]) {
        ssize_t w =
            ::write(in_pipe[1], options.stdin_data.data() + written, options.stdin_data.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 && errno != EAGAIN) close_fd(in_pipe[1]);
        if (written == options.stdin_data.size()) close_fd(in_pipe[1]);
      } else {
        ssize_t r = ::read(p.fd, buffer, sizeof buffer);
        if (r <= 0) {
          if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
          if (p.fd == out_pipe[0])
            close_fd(out_pipe[0]);
          else
            close_fd(err_pipe[0]);
        } else {
          (p.fd == out_pipe[0] ? result.out : result.err).append(buffer, static_cast<size_t>(r));
        }
      }
    }
  }
  close_fd(in_pipe[1]);
  close_fd(out_pipe[0]);
  close_fd(err_pipe[0]);

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    result.exit_code = 128 + WTERMSIG(status);
  if (result.exit_code == 127 && result.err.empty() && !result.timed_out) {
    result.err = fmt::format("{}: could not be executed", argv[0]);
  }
  return result;
}

}  // namespace rehome
