#include "real/faults/fault_fixture.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "common/process.hpp"
#include "real/harness/server_process.hpp"
#include "support/paths.hpp"

namespace rehome::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

HeldRun::HeldRun(const std::vector<std::string>& args, const std::string& hold_at,
                 const std::map<std::string, std::string>& env)
    : log_(dir_.path / "run.log"), marker_("test hold at " + hold_at) {
  std::vector<std::string> argv = {rehome_testhooks_binary().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto all = env;
  all["REHOME_TEST_HOLD_AT"] = hold_at;
  all["REHOME_TEST_HOLD_UNTIL"] = (dir_.path / "release").string();
  pid_ = spawn(argv, {.log_file = log_, .env = all, .user = RunAs{.uid = ::getuid(), .gid = ::getgid()}});
}

HeldRun::~HeldRun() {
  if (pid_ > 0) stop_child(pid_, SIGKILL, 1s);
}

bool HeldRun::wait_held(std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (slurp(log_).find(marker_) != std::string::npos) return true;
    siginfo_t info{};  // ended? (WNOWAIT: finish() still reaps it and reads its status)
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == pid_)
      break;
    std::this_thread::sleep_for(20ms);
  }
  ADD_FAILURE() << "never held (" << marker_ << "):\n" << slurp(log_);
  return false;
}

void HeldRun::release() { std::ofstream(dir_.path / "release") << "go\n"; }

RehomeRun HeldRun::finish(std::chrono::seconds timeout) {
  release();
  RehomeRun run;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  pid_t done = 0;
  while ((done = ::waitpid(pid_, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  if (done == 0) {
    stop_child(pid_, SIGKILL, 1s);
    run.exit_code = 137;
    run.output = slurp(log_) + "\n[test: killed after " + std::to_string(timeout.count()) + " s]";
  } else {
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    run.output = slurp(log_);
  }
  pid_ = -1;
  return run;
}

Relay::Relay(const std::vector<std::string>& argv) {
  pid_ =
      spawn(argv, {.log_file = dir_.path / "relay.log", .user = RunAs{.uid = ::getuid(), .gid = ::getgid()}});
}

Relay::~Relay() { stop_child(pid_, SIGTERM, 2s); }

LinkedSocket::LinkedSocket(const LinkedNamespace& ns, const fs::path& target, int port,
                           const fs::path& host_socket)
    : inside(ns.inside({require_program("socat", "socat").string(),
                        "TCP-LISTEN:" + std::to_string(port) + ",bind=" + ns.address() + ",fork,reuseaddr",
                        "UNIX-CONNECT:" + target.string()})) {
  std::string tcp = ns.address() + ":" + std::to_string(port);
  // Listening inside before the first client comes.
  bool listening = wait_until(
      [&] {
        return run_process(ns.inside({"ss", "-ltnH", "src", tcp})).out.find(tcp) != std::string::npos;
      },
      10s);
  EXPECT_TRUE(listening) << "socat inside " << ns.name() << " never listened on " << tcp;
  if (host_socket.empty()) return;
  outside = std::make_unique<Relay>(
      std::vector<std::string>{require_program("socat", "socat").string(),
                               "UNIX-LISTEN:" + host_socket.string() + ",fork,unlink-early", "TCP:" + tcp});
  EXPECT_TRUE(wait_until([&] { return fs::exists(host_socket); }, 10s)) << host_socket;
}

// With its link down the namespace's peer route goes, and the default route would take what is sent
// to it elsewhere (a gateway even answered HTTP 404 at 198.18.0.x:2375): a blackhole route, below the
// peer route's priority, keeps it on this machine and silent, as a cut cable is.
void link_down(const LinkedNamespace& ns) {
  auto hole = run_process({"ip", "route", "replace", "blackhole", ns.address() + "/32", "metric", "4000"});
  ASSERT_TRUE(hole.ok()) << hole.err;
  auto r = run_process({"ip", "link", "set", ns.host_link(), "down"});
  ASSERT_TRUE(r.ok()) << r.err;
}

void link_up(const LinkedNamespace& ns) {
  auto r = run_process({"ip", "link", "set", ns.host_link(), "up"});
  ASSERT_TRUE(r.ok()) << r.err;
  run_process({"ip", "route", "del", "blackhole", ns.address() + "/32", "metric", "4000"});
  // The addresses stay on a link that goes down; the peer route comes back with it.
  wait_until(
      [&] {
        return run_process({"ip", "route", "get", ns.address()}).out.find(ns.host_link()) !=
               std::string::npos;
      },
      10s);
}

std::string last_json(const std::string& output) {
  size_t brace = output.rfind("\n{");
  if (brace == std::string::npos) return output.rfind('{', 0) == 0 ? output : "{}";
  return output.substr(brace + 1);
}

std::string run_bash(const std::string& script) {
  auto r = run_process({"bash", "-c", script}, {.timeout = 600s});
  EXPECT_TRUE(r.ok()) << script << "\n" << r.err;
  return r.out;
}

}  // namespace rehome::test
