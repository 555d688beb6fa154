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

// The placement Swarm actually made, as a plan (service names without the drill's prefix).
plan::Plan plan_from_tasks(const std::vector<TaskState>& tasks, const std::string& prefix);

struct DrillRow {
  std::string service, from;
  std::string predicted;            // "hppavilion ~14 s" or "stranded: local state ..."
  model::Millis predicted_ms = -1;  // -1: not expected back
  std::string measured_on;          // nodes the new tasks run on
  model::Millis measured_ms = -1;   // -1: not back within the drill's timeout
};

struct DrillResult {
  FailureResult prediction;
  std::vector<DrillRow> rows;
  bool leader_lost = false;
  bool quorum_refused = false;     // the surviving manager refused to schedule
  std::string quorum_message;      // what it said
  model::Millis all_back_ms = -1;  // until every affected service was back (-1: never)
};

DrillRow row_for(const ServiceOutcome& predicted);  // the predicted half of a row
std::string render_drill(const DrillResult& result);
nlohmann::json drill_json(const DrillResult& result);

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
  bool keep = false;                    // leave the services deployed afterwards
  std::function<void(const std::string&)> progress = [](const std::string&) {};
};

// Deploys the estate's replicated services, waits until they run, predicts the failure of
// options.fail on the placement Swarm made (with the nodes' real capacities), runs the stop command,
// and measures until every affected service is back (or, without quorum, that nothing is). UserError
// for unreachable engines, a failed deploy or a missing stop command.
DrillResult run_drill(const model::Estate& estate, const DrillOptions& options);

}  // namespace rehome::resilience
