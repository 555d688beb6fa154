#pragma once
// Carries out a move: every step in order, each recorded in the journal before and after it runs, so
// a run killed at any instant resumes with the next `--execute`; stops at the first failure and says
// the rollback; asks before the point of no return.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "move/final_sync.hpp"
#include "move/journal.hpp"
#include "move/move.hpp"
#include "runbook/transport.hpp"

namespace rehome::move {

struct Clock {
  std::function<std::int64_t()> mono_ms;  // CLOCK_MONOTONIC
  std::function<std::int64_t()> wall_ms;  // the system clock
  std::string boot_id;                    // monotonic times compare only within one boot
  static Clock system();
};

struct ExecuteOptions {
  std::filesystem::path work_dir = "rehome-move";            // journal.json, evidence/move.json
  bool yes = false;                                          // pass the point of no return without asking
  std::function<bool(const std::string& question)> confirm;  // asked when !yes; empty = refuse
  runbook::Env env;                                          // credentials, given to every command
  // server -> its Docker API (--engine): that server's commands get it as DOCKER_HOST, so their `docker`
  // talks to that server's engine, not to the default socket of the machine they run on.
  std::map<std::string, std::string> docker_hosts;
  std::chrono::milliseconds step_timeout{std::chrono::hours(6)};
  Clock clock = Clock::system();
  std::filesystem::path journal_file() const { return work_dir / "journal.json"; }
  std::filesystem::path evidence_file() const { return work_dir / "evidence" / "move.json"; }
};

// 0: every step done; 1: a step failed or the point of no return was not confirmed.
int execute_move(const Move& move, runbook::Transport& transport, Movers& movers,
                 const ExecuteOptions& options, std::ostream& out);

// Undoes the steps done (and the one that failed), newest first, up to the point of no return; refused
// once it was passed. 0: rolled back; 1: a rollback command failed (it says which) or refused.
int rollback_move(const Move& move, runbook::Transport& transport, const ExecuteOptions& options,
                  std::ostream& out);

// The rollback order of the journal's steps: ids newest first (what rollback_move runs).
std::vector<std::string> rollback_order(const Move& move, const Journal& journal);

// The dry run: every step and every command in order, an aligned table, with the journal's status
// and the point of no return named; and the same as JSON.
std::string render_plan(const Move& move, const Journal& journal);
nlohmann::json to_json(const Move& move, const Journal& journal);

}  // namespace rehome::move
