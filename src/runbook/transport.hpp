#pragma once
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "common/process.hpp"

namespace rehome::runbook {

using Env = std::map<std::string, std::string>;

// The environment entry that tags every command a run starts (its value: the run's id), on this
// machine and, through ssh, on the server too; also set on the local ssh client. A later run finds
// what a killed run left running by it (common/process.hpp, end_tagged_processes).
inline constexpr const char* kRunTagVariable = "REHOME_RUN";

// A run's start: ends every process on this machine that carries the `previous` run's tag (what a
// killed run left running: a shell's children outlive it, and the new run would race them), says so
// on `out` ("Ended 2 command process(es) an earlier run of this <what> left running (pid ...)"), and
// returns a fresh tag for this run's commands. An empty `previous` ends nothing.
std::string take_over_run(const std::string& previous, const std::string& what, std::ostream& out);

// Runs a step's shell text on a server. The credentials reach the command as environment variables,
// never on a command line (where `ps` would show them).
class Transport {
 public:
  virtual ~Transport() = default;
  // `host` is a server name ("" = this machine).
  virtual ProcessResult run(const std::string& host, const std::string& script, const Env& env,
                            std::chrono::milliseconds timeout) = 0;
  virtual std::string name() const = 0;
};

// Everything on this machine through `sh -c`; the host is ignored (a single-machine cluster, or an
// operator already on the server), except for servers given a network namespace: their steps run
// in it (`nsenter --net=/var/run/netns/NAME -- sh -c`), so a firewall applied "on the server" stays
// inside a namespace a test made, never this machine's own.
class LocalTransport : public Transport {
 public:
  explicit LocalTransport(std::map<std::string, std::string> netns = {}) : netns_(std::move(netns)) {}
  ProcessResult run(const std::string& host, const std::string& script, const Env& env,
                    std::chrono::milliseconds timeout) override;
  std::string name() const override;
  // The command line a step for `host` runs as (the script is its last word).
  std::vector<std::string> argv(const std::string& host, const std::string& script) const;

 private:
  std::map<std::string, std::string> netns_;  // server -> namespace name (or a path with a '/')
};

// `ssh <destination> -- sh -s`, with the environment and the script on stdin.
struct SshInvocation {
  std::vector<std::string> argv;
  std::string stdin_data;
};
SshInvocation ssh_invocation(const std::string& destination, const std::string& script, const Env& env,
                             const std::vector<std::string>& ssh_options = {});

// Steps for a server go through ssh to its address (or `destinations` override: server -> user@host);
// steps for "" run locally.
class SshTransport : public Transport {
 public:
  explicit SshTransport(std::map<std::string, std::string> destinations,
                        std::vector<std::string> ssh_options = {"-o", "BatchMode=yes", "-o",
                                                                "ConnectTimeout=10"})
      : destinations_(std::move(destinations)), ssh_options_(std::move(ssh_options)) {}
  ProcessResult run(const std::string& host, const std::string& script, const Env& env,
                    std::chrono::milliseconds timeout) override;
  std::string name() const override { return "ssh"; }

 private:
  std::map<std::string, std::string> destinations_;
  std::vector<std::string> ssh_options_;
  LocalTransport local_;
};

// Reads a credentials file: `NAME=value` lines, `#` comments, an optional `export ` and optional
// single or double quotes around the value. Throws UserError naming file:line when malformed.
Env parse_credentials(const std::string& text, const std::string& filename);

}  // namespace rehome::runbook
