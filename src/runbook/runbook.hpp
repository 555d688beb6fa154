#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/estate.hpp"
#include "plan/plan.hpp"

namespace rehome::runbook {

// One step of the move: what it does, the exact command, how it is verified, how it is rolled back.
// Commands are POSIX shell text. They never contain a secret: passwords are shell variables
// (${GIBD_POSTGRES_PASSWORD}) that the executor takes from the credentials file at run time.
struct Step {
  std::string id;  // stable across runs ("3.migrate.gibd-postgres.gibd"): the resume key
  int phase = 0;
  std::string title;          // short, for tables and progress lines
  std::string what;           // what it does and why, in plain words
  std::string host;           // the server it runs on; empty = the machine running rehome
  std::string command;        // exit 0 = done
  std::string verify;         // exit 0 = verified; empty = the command's own exit status is the check
  std::string rollback;       // how to undo it (a command, or an instruction when nothing can be undone)
  int gate_after_phase = -1;  // cleanup: refused until the verification window after this phase passed
};

struct Phase {
  int number = 0;
  std::string name;     // "Prechecks", "Security", ...
  std::string purpose;  // one sentence
  std::vector<Step> steps;
};

struct Runbook {
  std::string estate;
  std::string old_server;  // the host everything runs on today
  model::Millis verification_window = 0;
  std::vector<std::string> credential_variables;  // what the credentials file must define
  std::vector<Phase> phases;                      // 0..7, always all eight (a phase may have no step)

  const Step* find_step(const std::string& id) const;
  std::vector<const Step*> steps() const;  // in order
};

inline constexpr model::Millis kDefaultVerificationWindow = 72LL * 3600 * 1000;

// What every mover's command takes from the runbook (data_plan.hpp copy_flags puts it in each mover's words).
struct CopyOptions {
  int jobs = 4;        // parallel connections on each side (postgres, mariadb)
  std::string verify;  // empty: each mover's own proof; stream | readback | server | none (postgres's names)
};

struct RunbookOptions {
  std::string estate_file = "estate.yaml";
  std::string plan_file = "plan.yaml";
  std::string old_server;               // empty = the first server of the estate
  std::string workdir = "rehome-work";  // generated artefacts, backups, evidence
  std::string targets_file;             // for `rehome validate`; empty = <workdir>/targets.yaml
  std::string rehome = "rehome";        // how to call rehome itself
  model::Millis verification_window = kDefaultVerificationWindow;
  int converge_timeout_seconds = 300;  // how long a stack may take to converge
  // Phase 1: "ufw" runs the generated firewall/<server>.sh; "iptables" the same openings as plain
  // iptables rules in one chain (no UFW, nothing under /etc: a host without UFW, or a network
  // namespace under test).
  std::string firewall = "ufw";
  // The address of the machine running rehome: the only source let in to the new databases' runner
  // ports during the copy (reach.hpp). Empty: the old server's address (rehome runs there).
  std::string runner_address;
  CopyOptions copy;
  // The Docker engines the volume mover talks to (data_plan.hpp engine_endpoint): the old server's, and
  // server -> Docker host URL of the others; unset: ${<SERVER>_DOCKER_HOST:-...} in the commands.
  std::string old_engine;
  std::map<std::string, std::string> engines;
};

// Writes the runbook of moving `estate` onto the servers of `plan`. Pure: no I/O.
// Throws UserError when the estate and plan cannot make a runbook (unknown old server, a plan
// naming a service the estate lacks).
Runbook make_runbook(const model::Estate& estate, const plan::Plan& plan, const RunbookOptions& options);

// The server everything runs on today (`name` empty: the first server), and the plan's first manager
// (it runs `swarm init`). UserError when the estate has no servers or no server `name`.
const model::Server& resolve_old_server(const model::Estate& estate, const std::string& name);
const model::Server& resolve_first_manager(const model::Estate& estate, const plan::Plan& plan);

// The phase names, 0..7.
const std::vector<std::string>& phase_names();

}  // namespace rehome::runbook
