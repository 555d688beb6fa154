#pragma once
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "resilience/analysis.hpp"

namespace rehome::resilience {

// ---- pure: what the drill reads from Swarm and how it compares with the prediction ----------------

// One task as `docker service ps --format '{{.Name}}\t{{.Node}}\t{{.CurrentState}}'` prints it.
struct TaskState {
  std::string service;  // "drill-web" from "drill-web.2"
  std::string node;
  std::string state;  // "Running 3 seconds ago", "Starting ...", "Pending ..."
  bool running() const { return state.rfind("Running", 0) == 0; }
};
std::vector<TaskState> parse_tasks(const std::string& out);

// Back to its desired count: `desired` running tasks, none of them on a node that is down.
bool converged(const std::vector<TaskState>& tasks, const std::string& service, int desired,
               const std::set<std::string>& down);

// The placement Swarm actually made, as a plan. `lead` is what precedes the estate's service name:
// "drill-" for services the drill created, "shop_" for the stack `shop`.
plan::Plan plan_from_tasks(const std::vector<TaskState>& tasks, const std::string& lead);

// A deployed service's placement as Swarm enforces it (`{{json .Spec.TaskTemplate.Placement}}`:
// Constraints "node.hostname == X", "node.labels.K == V", MaxReplicas) written onto the estate's
// service, so the prediction sees the pins the generated stack added. Other constraints are ignored.
void apply_swarm_placement(model::Service& service, const nlohmann::json& placement);

// How a measured row compares with its prediction. Back within [predicted / 2, predicted * 2] is as
// predicted; so is a service predicted to stay down (stranded, pinned) that stayed down.
enum class DrillVerdict { within, stayed_down, slower, faster, not_back, back_unexpectedly };
std::string to_string(DrillVerdict v);  // "within 2x", "stayed down as predicted", "MISS: slower", ...
bool is_miss(DrillVerdict v);

struct DrillRow {
  std::string service, from;
  std::string predicted;            // "hppavilion ~14 s" or "stays down: state on local volume ..."
  model::Millis predicted_ms = -1;  // -1: not expected back
  std::string measured_on;          // nodes the new tasks run on
  model::Millis measured_ms = -1;   // -1: not back within the drill's timeout
  std::string measured_error;       // Swarm's last task error for it, when not back (masked)
  DrillVerdict verdict = DrillVerdict::not_back;
  std::string why;  // the verdict in words; for a miss: which part of the prediction and what to check
};

// Sets row.verdict and row.why from its predicted and measured halves; `observed` is how long the
// drill watched after the stop. Pure.
void judge(DrillRow& row, model::Millis observed);

struct DrillResult {
  FailureResult prediction;         // in the process that ran the drill; not in the evidence file
  std::string scenario;             // "lose hpr"
  std::vector<std::string> failed;  // the servers stopped
  std::string stack;                // the stack drilled ("" = services the drill created)
  QuorumVerdict quorum;             // predicted, after the loss
  std::vector<DrillRow> rows;
  bool leader_lost = false;
  bool quorum_refused = false;     // the surviving manager refused to schedule
  std::string quorum_message;      // what it said
  model::Millis leader_ms = -1;    // quorum kept: until a manager answered with a leader (-1: never)
  model::Millis all_back_ms = -1;  // until every affected service was back (-1: never)
  model::Millis timeout = 0;       // the longest the drill would wait
  model::Millis observed_ms = 0;   // how long it watched after the stop
  int misses() const;              // rows (and the quorum) not as predicted
};

DrillRow row_for(const ServiceOutcome& predicted);  // the predicted half of a row
std::string render_drill(const DrillResult& result);

// The evidence file (drill_json.cpp): {kind: "rehome.drill", format: 1, ...}. from_json throws
// UserError naming `origin` for another kind, a newer format or a malformed field.
inline constexpr const char* kDrillKind = "rehome.drill";
inline constexpr int kDrillFormat = 1;
nlohmann::json to_json(const DrillResult& result);
DrillResult drill_from_json(const nlohmann::json& j, const std::string& origin);

// ---- mechanism: a real Swarm through the docker CLI ---------------------------------------------

struct DrillOptions {
  std::map<std::string, std::string> engines;  // server (node hostname) -> docker host (unix:///...)
  std::vector<std::string> fail;               // servers to stop
  std::string stop_command;                    // shell command; {server} and {host} are substituted
  std::string image;                           // run every service from this image (empty: its own)
  RecoveryModel model;
  model::Millis timeout = 120000;       // waiting for services to come back
  model::Millis quorum_window = 15000;  // without quorum: how long to watch nothing happen
  std::string prefix = "drill";         // service names: <prefix>-<service>
  // A stack instead of services the drill creates: the generated stack (generate's stacks/<name>.yml)
  // deployed with `docker stack deploy -c stack_file stack` when stack_file is set, else the stack
  // already deployed (by `rehome move`). Service names: <stack>_<service>; the prediction reads the
  // placement constraints Swarm enforces on them.
  std::string stack;
  std::string stack_file;
  bool keep = false;  // leave the services deployed afterwards
  std::function<void(const std::string&)> progress = [](const std::string&) {};
};

// Deploys the estate's replicated services (or the stack), waits until they run, predicts the failure
// of options.fail on the placement Swarm made (with the nodes' real capacities and constraints), runs
// the stop command, and measures until every affected service is back (or, without quorum, that
// nothing is), then judges each row against the prediction. UserError for unreachable engines, a
// failed deploy or a missing stop command.
DrillResult run_drill(const model::Estate& estate, const DrillOptions& options);

}  // namespace rehome::resilience
