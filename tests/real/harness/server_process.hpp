#pragma once
// Mechanism shared by the real-server fixtures (PostgresServer, RedisServer, ...): a private temp
// folder per server, a free loopback port, spawning a server process as an unprivileged user when the
// tests run as root, stopping it by pid, and sweeping servers left behind by a test process that died
// (kill -9, ctest timeout) before its destructors ran.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace rehome::test {

// The account server processes run as. initdb and postgres refuse to run as root, so when the tests
// run as root the servers run as the `postgres` system user (created by postgresql-common), else
// `nobody`. When not root, servers run as the current user.
struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
  bool switch_user = false;
  std::string name;
};
RunAs server_user();

// mkdtemp("/tmp/rehome-<prefix>-XXXXXX"), owned by `user`, with an owner.pid file naming this test
// process so sweep_leftover_servers() can tell whether its owner is still alive.
std::filesystem::path make_server_dir(const std::string& prefix, const RunAs& user);

// A TCP port on 127.0.0.1 that was free a moment ago (bind port 0). Callers retry on a bind race.
int free_port();

struct SpawnOptions {
  std::filesystem::path log_file;          // stdout and stderr go here
  std::map<std::string, std::string> env;  // added to the environment
  RunAs user;
  bool die_with_parent = true;  // PR_SET_PDEATHSIG: the kernel kills it when we die
};

// Starts argv (argv[0] an absolute path) and returns its pid. Throws std::runtime_error on failure.
pid_t spawn(const std::vector<std::string>& argv, const SpawnOptions& options);

// Waits for a child started by spawn() to exit; returns its exit status (128 + signal if killed).
int wait_child(pid_t pid);

// True while our child `pid` has not exited (reaps it if it has).
bool child_alive(pid_t pid);

// Starts a server on a free port: calls start(port) (which launches and waits until ready, throwing
// otherwise). A port free a moment ago may be taken by a parallel test before the server binds, so
// when `log` then contains `port_taken_marker` it retries with another port (5 tries). On any other
// failure it calls stop() and rethrows. Returns the port in use.
int start_on_free_port(const std::function<void(int port)>& start, const std::function<void()>& stop,
                       const std::filesystem::path& log, const std::string& port_taken_marker);

// Removes a server folder unless `keep` (debugging); never throws.
void remove_server_dir(const std::filesystem::path& dir, bool keep);

// Sends `first_signal`, waits up to `grace`, then SIGKILL; reaps the child. Safe on a dead pid.
void stop_child(pid_t pid, int first_signal, std::chrono::milliseconds grace);

// Records `pid` in <dir>/server.pid for the sweeper.
void record_server_pid(const std::filesystem::path& dir, pid_t pid);

// Kills servers in /tmp/rehome-*-XXXXXX folders whose owner.pid process is gone, and removes those
// folders. Called once per test process by the fixtures; harmless to call again.
void sweep_leftover_servers();

// Reads a small text file ("" if absent).
std::string slurp(const std::filesystem::path& path);

// Last `max_chars` characters of a log file, for error messages.
std::string log_tail(const std::filesystem::path& path, size_t max_chars = 2000);

}  // namespace rehome::test
