#pragma once
// Shared by the fault tests (docs/faults.md, "Fault campaign"): a rehome run held at a named point while
// the test breaks something (a link, a disk), socat relays that put an engine behind a namespace's
// link, and the link itself going down and up.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "real/harness/netns_link.hpp"
#include "real/migrate/migrate_fixture.hpp"

namespace rehome::test {

// rehome-testhooks with REHOME_TEST_HOLD_AT=`hold_at`: started by the constructor, waits at that point
// (connections open) until release(), then runs on; finish() waits for its end.
class HeldRun {
 public:
  HeldRun(const std::vector<std::string>& args, const std::string& hold_at,
          const std::map<std::string, std::string>& env = {});
  ~HeldRun();  // kills the run if it is still going
  HeldRun(const HeldRun&) = delete;
  HeldRun& operator=(const HeldRun&) = delete;

  bool wait_held(std::chrono::seconds timeout = std::chrono::seconds(180));  // false: it never got there
  void release();
  // Waits up to `timeout` for the end (SIGKILL after it: exit_code 137 and a note in the output).
  RehomeRun finish(std::chrono::seconds timeout = std::chrono::seconds(300));

 private:
  TempDir dir_;
  std::filesystem::path log_;
  std::string marker_;
  pid_t pid_ = -1;
};

// A long-running helper (socat) started by pid and stopped by pid.
class Relay {
 public:
  explicit Relay(const std::vector<std::string>& argv);
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

 private:
  TempDir dir_;
  pid_t pid_ = -1;
};

// The server side of `ns` serves the unix socket `target` on TCP ns.address():port, and (host_socket
// not empty) this machine serves host_socket by connecting to that TCP port: every byte between a
// client of host_socket and `target` crosses the namespace's link.
struct LinkedSocket {
  LinkedSocket(const LinkedNamespace& ns, const std::filesystem::path& target, int port,
               const std::filesystem::path& host_socket = {});
  Relay inside;
  std::unique_ptr<Relay> outside;
};

// ip link set <this machine's veth of ns> down / up.
void link_down(const LinkedNamespace& ns);
void link_up(const LinkedNamespace& ns);

// The JSON object a --json run printed last ({} when none).
std::string last_json(const std::string& output);

// bash -c script; EXPECTs success, returns stdout.
std::string run_bash(const std::string& script);

}  // namespace rehome::test
