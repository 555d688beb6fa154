#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <ostream>
#include <set>
#include <string>

#include "runbook/runbook.hpp"
#include "runbook/state.hpp"
#include "runbook/transport.hpp"

namespace rehome::runbook {

struct RunOptions {
  bool execute = false;  // false: print every command, run nothing
  int from_phase = 0;
  int to_phase = 7;
  std::set<int> skip_phases;  // recorded as skipped (e.g. a firewall on a test machine)
  bool force = false;         // run cleanup before the verification window is over
  std::filesystem::path state_file = "rehome-state.json";
  std::filesystem::path evidence_dir;  // phases.json goes here; empty = none
  Env env;                             // the credentials, given to every command
  std::chrono::milliseconds step_timeout{std::chrono::hours(6)};
  std::function<std::int64_t()> now_ms;  // the clock; empty = the system clock
};

struct RunOutcome {
  int exit_code = 0;       // 0 all done, 1 a step failed or was refused, 2 bad input
  std::string stopped_at;  // the step id it stopped at, if any
};

// Carries out phases [from, to] of the runbook in order, skipping steps the state records as done
// with the same command, saving the state after every change, stopping at the first failure (printing
// the rollback of that step and of the phase's steps done before it, newest first).
RunOutcome run_runbook(const Runbook& runbook, Transport& transport, const RunOptions& options,
                       std::ostream& out);

// Dry run: every step that would run, with its command, verification and rollback.
void print_plan(const Runbook& runbook, const RunOptions& options, const RunState& state, std::ostream& out);

}  // namespace rehome::runbook
