// The drill's pure half: parsing what Swarm reports and setting it beside the prediction.
#include "resilience/drill.hpp"

#include <sstream>

#include <fmt/format.h>

#include "common/table.hpp"

namespace rehome::resilience {

std::vector<TaskState> parse_tasks(const std::string& out) {
  std::vector<TaskState> tasks;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    auto t1 = line.find('\t');
    auto t2 = t1 == std::string::npos ? std::string::npos : line.find('\t', t1 + 1);
    if (t2 == std::string::npos) continue;
    TaskState t;
    std::string name = line.substr(0, t1);
    auto dot = name.rfind('.');
    t.service = dot == std::string::npos ? name : name.substr(0, dot);
    t.node = line.substr(t1 + 1, t2 - t1 - 1);
    t.state = line.substr(t2 + 1);
    tasks.push_back(std::move(t));
  }
  return tasks;
}

bool converged(const std::vector<TaskState>& tasks, const std::string& service, int desired,
               const std::set<std::string>& down) {
  int running = 0;
  for (const auto& t : tasks) {
    if (t.service != service) continue;
    if (down.count(t.node)) return false;  // still counted on a dead node: not detected yet
    running += t.running();
  }
  return running >= desired;
}

plan::Plan plan_from_tasks(const std::vector<TaskState>& tasks, const std::string& prefix) {
  plan::Plan p;
  std::map<std::string, int> index;
  const std::string lead = prefix + "-";
  for (const auto& t : tasks) {
    if (!t.running() || t.service.rfind(lead, 0) != 0) continue;
    std::string name = t.service.substr(lead.size());
    p.assignments.push_back({name, index[name]++, t.node});
  }
  return p;
}

DrillRow row_for(const ServiceOutcome& so) {
  DrillRow row;
  row.service = so.service;
  std::string from, predicted;
  model::Millis first = -1;
  for (const auto& ro : so.replicas) {
    if (from.find(ro.from) == std::string::npos) from += (from.empty() ? "" : ",") + ro.from;
    if (ro.fate == ReplicaFate::rescheduled) {
      predicted +=
          fmt::format("{}{} ~{} s", predicted.empty() ? "" : ", ", ro.to, (ro.eta.expected + 500) / 1000);
      first = first < 0 ? ro.eta.expected : std::max(first, ro.eta.expected);
    } else {
      predicted += (predicted.empty() ? "" : ", ") + std::string("stays down: ") + ro.why;
    }
  }
  row.from = from;
  row.predicted = predicted;
  row.predicted_ms = so.healthy_after >= so.desired ? first : -1;
  return row;
}

std::string render_drill(const DrillResult& r) {
  std::string out = fmt::format("Drill: {} (quorum {} of {} managers{})\n", r.prediction.scenario.name(),
                                r.prediction.quorum.alive, r.prediction.quorum.managers,
                                r.prediction.quorum.has_quorum ? ", kept" : ", LOST");
  if (!r.prediction.quorum.has_quorum) {
    out +=
        fmt::format("predicted: quorum lost, nothing rescheduled; measured: {}\n",
                    r.quorum_refused ? "the surviving manager refused to schedule (" + r.quorum_message + ")"
                                     : "the cluster still scheduled (prediction wrong!)");
  }
  Table t({"SERVICE", "FROM", "PREDICTED", ">MEASURED", "ON"});
  for (const auto& row : r.rows)
    t.add_row({row.service, row.from, row.predicted,
               row.measured_ms >= 0 ? fmt::format("{:.1f} s", row.measured_ms / 1000.0) : "not back",
               row.measured_on.empty() ? "-" : row.measured_on});
  out += t.render();
  if (r.all_back_ms >= 0)
    out += fmt::format("every affected service back after {:.1f} s\n", r.all_back_ms / 1000.0);
  return out;
}

nlohmann::json drill_json(const DrillResult& r) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : r.rows)
    rows.push_back({{"service", row.service},
                    {"from", row.from},
                    {"predicted", row.predicted},
                    {"predicted_ms", row.predicted_ms},
                    {"measured_ms", row.measured_ms},
                    {"measured_on", row.measured_on}});
  return {{"scenario", r.prediction.scenario.name()},
          {"quorum_predicted", r.prediction.quorum.has_quorum},
          {"leader_lost", r.leader_lost},
          {"quorum_refused", r.quorum_refused},
          {"quorum_message", r.quorum_message},
          {"all_back_ms", r.all_back_ms},
          {"services", rows}};
}

}  // namespace rehome::resilience
