#pragma once
// `rehome move`: one command from an estate to a migrated, validated, drilled cluster with a report.
// The move is a list of steps (pure: made from the estate, the plan and the options, no I/O), each
// with what it does, the exact commands (printed by the dry run), the checks that prove it done and
// the rollback that undoes it. The executor (executor.hpp) carries them out with a journal.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/estate.hpp"
#include "plan/plan.hpp"
#include "runbook/data_plan.hpp"

namespace rehome::move {

// One command on one server ("" = the machine running rehome). In-process steps (the movers) show the
// equivalent `rehome migrate ...` line, so the dry run still prints every command in order.
struct Action {
  std::string host;
  std::string command;
  bool in_process = false;  // carried out by a library call (migrate), not a shell
};

// A piece of data the move carries: the runbook's data plan decides which and how (runbook/data_plan.hpp).
using DataItem = runbook::DataItem;

struct MoveStep {
  std::string id;    // "07.copy.gibd-postgres.gibd": the journal's key, ordered
  std::string kind;  // plan, generate, bootstrap, registry, reach, deploy, copy, freeze, final-sync,
                     // verify, edge, writers, validate, drill, report
  std::string title;
  std::string what;
  std::vector<Action> actions;       // in order; the first failing stops the step
  std::vector<Action> checks;        // each exits 0 once the step is done
  std::vector<Action> rollback;      // undoes it, in order
  std::string rollback_note;         // when there is nothing to run (read-only, or explained)
  std::optional<DataItem> data;      // copy, final-sync, verify: the item the mover works on
  std::vector<std::string> freezes;  // freeze: services whose write freeze starts here
  std::vector<std::string> thaws;    // writers: services whose write freeze ends here
  bool point_of_no_return = false;   // once this step ran, the move is not rolled back
};

struct MoveOptions {
  std::string estate_file = "estate.yaml";
  std::string plan_file;  // empty: <work_dir>/plan.yaml, written by the plan step
  std::string work_dir = "rehome-move";
  std::string old_server;         // empty: the first server of the estate
  std::string old_engine;         // Docker host of the old server (docker --host); empty: run there
  std::string runner_address;     // where rehome runs, the only source let in to the new databases;
                                  // empty: the old server's address
  std::string rehome = "rehome";  // how commands call rehome itself
  int jobs = 4;                   // parallel connections per database mover
  int converge_timeout_seconds = 300;
  std::string compose_project;   // the old host's compose project label; empty: any
  std::string credentials_file;  // --credentials: given to validate (its probes' passwords)
  bool drill = true;             // run the drill step
  // How the drill stops a server's engine ({server}, {host} substituted; `rehome drill --stop-command`,
  // which it requires), and more `rehome drill` flags, verbatim (e.g. "--dispatcher-heartbeat 2s").
  std::string drill_stop_command = "ssh {host} sudo systemctl stop docker.socket docker";
  std::string drill_flags;
  std::map<std::string, std::string> engines;  // server -> Docker API URL, for the volume mover
  // postgres item slug -> its source's wal_level as probed (final_sync.hpp postgres_wal_level): "logical"
  // makes the copy follow and the final sync a cutover; absent: decided when the copy runs.
  std::map<std::string, std::string> postgres_wal_level;
  // mariadb item slug -> why its source's binlog cannot be used ("" when it can), as probed
  // (final_sync.hpp mariadb_binlog_problem): "" makes the copy follow and the final sync the binlog
  // cutover; a reason makes the final sync a whole verified pass; absent: decided when the copy runs.
  std::map<std::string, std::string> mariadb_binlog_problem;
};

struct Move {
  std::string estate;
  std::string old_server;
  std::string first_manager;
  std::vector<DataItem> data;
  std::vector<std::string> writers;  // old services stopped by the write freeze
  std::vector<MoveStep> steps;       // in order
  // The id of the step that is the point of no return (before it runs, a confirmation).
  std::string point_of_no_return;
  const MoveStep* find(const std::string& id) const;
};

// The whole move, in order. Pure. Throws UserError when the estate and plan cannot make one.
Move make_move(const model::Estate& estate, const plan::Plan& plan, const MoveOptions& options);

// What a step runs, as a digest (sha256 of its kind, actions, checks and rollback with their hosts):
// the journal keeps it for every step that started, and a resume refuses a move whose started steps
// would now run something else (the estate, the plan or the options changed since).
std::string step_digest(const MoveStep& step);

// The step kinds, in the order the move runs them (the unit tests hold the order to this list).
const std::vector<std::string>& step_kinds();

}  // namespace rehome::move
