#include "real/harness/dockerd.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "common/secrets.hpp"

namespace rehome::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr const char* kFolderPrefix = "rehome-dockerd-";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

pid_t read_pid(const fs::path& path) {
  try {
    return static_cast<pid_t>(std::stol(read_text(path)));
  } catch (...) {
    return 0;
  }
}

bool process_exists(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

// Processes whose command line mentions `needle` (our unique temp folder): the engine's containerd
// and its shims, which outlive a dockerd that was SIGKILLed.
std::vector<pid_t> processes_mentioning(const std::string& needle) {
  std::vector<pid_t> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    std::string cmdline = read_text(entry.path() / "cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(needle) != std::string::npos) found.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return found;
}

// Container processes of this engine: every pid in the cgroups of its containers (cgroupfs driver,
// parent "docker", as Debian's dockerd uses on cgroup v1; the unified path on v2).
std::vector<pid_t> container_processes(const fs::path& data_root) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& container : fs::directory_iterator(data_root / "containers", ec)) {
    const std::string id = container.path().filename().string();
    for (const char* base :
         {"/sys/fs/cgroup/pids/docker/", "/sys/fs/cgroup/docker/", "/sys/fs/cgroup/system.slice/docker-"}) {
      std::istringstream procs(read_text(fs::path(base + id) / "cgroup.procs"));
      for (pid_t p; procs >> p;) pids.push_back(p);
    }
  }
  return pids;
}

void kill_and_wait(const std::vector<pid_t>& pids, std::chrono::milliseconds timeout) {
  for (pid_t p : pids) ::kill(p, SIGKILL);
  wait_until([&] { return std::none_of(pids.begin(), pids.end(), process_exists); }, timeout, 50ms);
}

// Mount points at or under `root` (from /proc/self/mountinfo; octal escapes decoded), deepest first.
std::vector<std::string> mounts_under(const fs::path& root) {
  std::vector<std::string> found;
  std::istringstream info(read_text("/proc/self/mountinfo"));
  const std::string prefix = root.string();
  for (std::string line; std::getline(info, line);) {
    std::istringstream fields(line);
    std::string id, parent, devices, source, mount_point;
    fields >> id >> parent >> devices >> source >> mount_point;
    std::string decoded;
    for (size_t i = 0; i < mount_point.size(); ++i) {
      if (mount_point[i] == '\\' && i + 3 < mount_point.size()) {
        decoded += static_cast<char>(std::stoi(mount_point.substr(i + 1, 3), nullptr, 8));
        i += 3;
      } else {
        decoded += mount_point[i];
      }
    }
    if (decoded == prefix || decoded.rfind(prefix + "/", 0) == 0) found.push_back(decoded);
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return found;
}

void unmount_under(const fs::path& root) {
  // Twice: a lazy unmount of a parent can reveal nothing new, but an overlay under a bind can.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& m : mounts_under(root)) ::umount2(m.c_str(), MNT_DETACH);
  }
}

void remove_engine_folder(const fs::path& root) {
  kill_and_wait(container_processes(root / "data"), 5s);
  kill_and_wait(processes_mentioning(root.string()), 5s);
  unmount_under(root);
  std::error_code ec;
  fs::remove_all(root, ec);
}

// Engines whose test process died before its destructors ran (ctest timeout, kill -9): their
// dockerd got SIGTERM from the kernel (PR_SET_PDEATHSIG), but containerd, shims, mounts and the
// folder may remain. Runs once per test process.
void sweep_leftover_engines() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(fs::temp_directory_path(), ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind(kFolderPrefix, 0) != 0) continue;
      pid_t owner = read_pid(entry.path() / "owner.pid");
      if (owner == ::getpid() || process_exists(owner)) continue;
      remove_engine_folder(entry.path());
    }
    // Namespaces named <prefix>-<pid>-<n> by NetworkNamespace whose pid is gone.
    for (const auto& entry : fs::directory_iterator("/var/run/netns", ec)) {
      const std::string name = entry.path().filename().string();
      size_t last = name.rfind('-');
      size_t before = last == std::string::npos || last == 0 ? std::string::npos : name.rfind('-', last - 1);
      if (name.rfind("rehome", 0) != 0 || before == std::string::npos) continue;
      pid_t owner = 0;
      try {
        owner = static_cast<pid_t>(std::stol(name.substr(before + 1, last - before - 1)));
      } catch (...) {
        continue;
      }
      if (owner != ::getpid() && !process_exists(owner)) run_process({"ip", "netns", "delete", name});
    }
  });
}

fs::path make_engine_folder(const std::string& name) {
  sweep_leftover_engines();
  std::string pattern =
      (fs::temp_directory_path() / fmt::format("{}{}-XXXXXX", kFolderPrefix, name)).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error(fmt::format("mkdtemp {}: {}", pattern, std::strerror(errno)));
  }
  fs::path root = pattern;
  std::ofstream(root / "owner.pid") << ::getpid() << "\n";
  return root;
}

}  // namespace

bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout,
                std::chrono::milliseconds every) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (ready()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(every);
  }
}

// ---------------------------------------------------------------------------------------------

NetworkNamespace::NetworkNamespace(const std::string& prefix) {
  static std::atomic<int> counter{0};
  sweep_leftover_engines();
  name_ = fmt::format("{}-{}-{}", prefix, ::getpid(), counter++);
  auto created = run_process({"ip", "netns", "add", name_});
  if (!created.ok()) throw std::runtime_error(fmt::format("ip netns add {}: {}", name_, created.err));
  auto lo = run_process({"ip", "-n", name_, "link", "set", "lo", "up"});
  if (!lo.ok()) {
    run_process({"ip", "netns", "delete", name_});
    throw std::runtime_error(fmt::format("ip -n {} link set lo up: {}", name_, lo.err));
  }
}

NetworkNamespace::~NetworkNamespace() { run_process({"ip", "netns", "delete", name_}); }

// ---------------------------------------------------------------------------------------------

DockerEngine::DockerEngine(DockerEngineOptions options) : options_(std::move(options)) {
  if (options_.own_netns && options_.netns) {
    throw std::runtime_error("DockerEngineOptions: own_netns and netns are exclusive");
  }
  if (options_.own_netns) own_netns_.emplace("rehome-dk");
  root_ = make_engine_folder(options_.name);
  try {
    spawn();
    wait_ready();
  } catch (...) {
    stop();
    throw;
  }
}

DockerEngine::~DockerEngine() { stop(); }

std::optional<std::string> DockerEngine::netns() const {
  if (own_netns_) return own_netns_->name();
  return options_.netns;
}

void DockerEngine::spawn() {
  fs::path dockerd = find_program("dockerd", {"/usr/sbin", "/usr/bin"}).value_or("");
  if (dockerd.empty()) throw std::runtime_error("dockerd not found: apt-get install docker.io");

  std::vector<std::string> argv = {dockerd.string(),
                                   "--data-root",
                                   (root_ / "data").string(),
                                   "--exec-root",
                                   (root_ / "exec").string(),
                                   "-H",
                                   host(),
                                   "--pidfile",
                                   (root_ / "docker.pid").string()};
  if (!options_.bridge) argv.insert(argv.end(), {"--bridge", "none", "--iptables=false"});
  for (const auto& [k, v] : options_.labels) argv.insert(argv.end(), {"--label", k + "=" + v});
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());

  std::string log_path = (root_ / "dockerd.log").string();
  std::string netns_path = netns() ? "/var/run/netns/" + *netns() : "";
  std::string hostname = options_.hostname.value_or("");
  pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(fmt::format("fork for dockerd: {}", std::strerror(errno)));
  if (pid == 0) {
    int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (log >= 0) {
      ::dup2(log, 1);
      ::dup2(log, 2);
    }
    if (null >= 0) ::dup2(null, 0);
    ::setsid();
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // dockerd stops its containers on SIGTERM
    if (::getppid() != parent) _exit(125);
    if (!hostname.empty()) {
      if (::unshare(CLONE_NEWUTS) != 0 || ::sethostname(hostname.c_str(), hostname.size()) != 0) {
        std::fprintf(stderr, "harness: cannot set hostname %s: %s\n", hostname.c_str(), std::strerror(errno));
        _exit(124);
      }
    }
    if (!netns_path.empty()) {
      int ns = ::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
      if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) {
        std::fprintf(stderr, "harness: cannot enter %s: %s\n", netns_path.c_str(), std::strerror(errno));
        _exit(124);
      }
    }
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    std::fprintf(stderr, "harness: exec %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  pid_ = pid;
}

bool DockerEngine::running() const {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  return r == 0;
}

void DockerEngine::wait_ready() {
  bool ready = wait_until(
      [&] {
        if (!running()) {
          throw std::runtime_error(
              fmt::format("dockerd ({}) exited while starting; its log:\n{}", options_.name, log_tail()));
        }
        ProcessOptions quick;
        quick.timeout = 5s;
        return docker({"info", "--format", "{{.ServerVersion}}"}, quick).ok();
      },
      options_.start_timeout, 200ms);
  if (!ready) {
    throw std::runtime_error(
        fmt::format("dockerd ({}) did not answer `docker info` within {} ms; its log:\n{}", options_.name,
                    options_.start_timeout.count(), log_tail()));
  }
}

void DockerEngine::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    if (!wait_until([&] { return !running(); }, options_.stop_grace, 50ms)) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  if (!root_.empty()) remove_engine_folder(root_);
  own_netns_.reset();  // after dockerd: deleting the namespace takes docker_gwbridge and overlays with it
}

ProcessResult DockerEngine::docker(const std::vector<std::string>& args, ProcessOptions options) const {
  std::vector<std::string> argv = {"docker", "-H", host()};
  argv.insert(argv.end(), args.begin(), args.end());
  options.env.emplace("DOCKER_CONFIG", (root_ / "cli").string());  // never the user's ~/.docker
  options.env.emplace("DOCKER_BUILDKIT", "0");  // the classic builder: Debian's engine has no buildx
  if (options.timeout.count() == 0) options.timeout = 180s;
  return run_process(argv, options);
}

std::string DockerEngine::docker_ok(const std::vector<std::string>& args, ProcessOptions options) const {
  auto result = docker(args, options);
  if (!result.ok()) {
    std::string command;
    for (const auto& a : args) command += " " + a;
    throw std::runtime_error(
        mask_secrets(fmt::format("docker{} failed (exit {}{}): {}{}", command, result.exit_code,
                                 result.timed_out ? ", timed out" : "", result.err, result.out)));
  }
  return result.out;
}

std::string DockerEngine::log_tail(size_t max_chars) const {
  std::string text = read_text(root_ / "dockerd.log");
  if (text.size() > max_chars) text = "..." + text.substr(text.size() - max_chars);
  return text;
}

}  // namespace rehome::test
