// The drill's pure half: parsing what Swarm reports and setting it beside the prediction.
#include "resilience/drill.hpp"

#include <algorithm>
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

plan::Plan plan_from_tasks(const std::vector<TaskState>& tasks, const std::string& lead) {
  plan::Plan p;
  std::map<std::string, int> index;
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

void apply_swarm_placement(model::Service& svc, const nlohmann::json& placement) {
  if (!placement.is_object()) return;
  auto trim = [](std::string t) {
    while (!t.empty() && t.front() == ' ') t.erase(t.begin());
    while (!t.empty() && t.back() == ' ') t.pop_back();
    return t;
  };
  if (placement.contains("Constraints") && placement["Constraints"].is_array())
    for (const auto& c : placement["Constraints"]) {
      if (!c.is_string()) continue;
      std::string text = c.get<std::string>();
      auto eq = text.find("==");
      if (eq == std::string::npos) continue;  // != and the like: not a pin
      std::string key = trim(text.substr(0, eq)), value = trim(text.substr(eq + 2));
      if (key == "node.hostname") {
        svc.placement.pin = {value};
      } else if (key.rfind("node.labels.", 0) == 0) {
        svc.placement.labels[key.substr(12)] = value;
      }
    }
  if (placement.contains("MaxReplicas") && placement["MaxReplicas"].is_number_integer())
    svc.placement.max_replicas_per_node = placement["MaxReplicas"].get<int>();
}

std::string to_string(DrillVerdict v) {
  switch (v) {
    case DrillVerdict::within:
      return "within 2x";
    case DrillVerdict::stayed_down:
      return "stayed down as predicted";
    case DrillVerdict::slower:
      return "MISS: slower";
    case DrillVerdict::faster:
      return "MISS: faster";
    case DrillVerdict::not_back:
      return "MISS: not back";
    case DrillVerdict::back_unexpectedly:
      return "MISS: came back";
  }
  return "?";
}

bool is_miss(DrillVerdict v) { return v != DrillVerdict::within && v != DrillVerdict::stayed_down; }

void judge(DrillRow& row, model::Millis observed) {
  auto s = [](model::Millis ms) { return fmt::format("{:.1f} s", ms / 1000.0); };
  const bool predicted_back = row.predicted_ms >= 0, back = row.measured_ms >= 0;
  if (predicted_back && back) {
    double ratio = row.predicted_ms > 0 ? double(row.measured_ms) / double(row.predicted_ms) : 1e9;
    if (ratio > 2) {
      row.verdict = DrillVerdict::slower;
      row.why = fmt::format(
          "back after {}, {:.1f}x the predicted {}: the model misses part of the start on {} (image pull, "
          "the health check's start period, or the dispatcher heartbeat; give them with --image-pull, "
          "--start or --dispatcher-heartbeat)",
          s(row.measured_ms), ratio, s(row.predicted_ms), row.measured_on.empty() ? "-" : row.measured_on);
    } else if (ratio < 0.5) {
      row.verdict = DrillVerdict::faster;
      row.why = fmt::format(
          "back after {}, under half the predicted {}: the recovery model is pessimistic for this cluster "
          "(its heartbeat or restart delay differ from the model's flags)",
          s(row.measured_ms), s(row.predicted_ms));
    } else {
      row.verdict = DrillVerdict::within;
      row.why = fmt::format("back after {} for {} predicted ({:.1f}x)", s(row.measured_ms),
                            s(row.predicted_ms), ratio);
    }
  } else if (predicted_back) {
    row.verdict = DrillVerdict::not_back;
    row.why =
        fmt::format("predicted back in {} ({}) but not back after {}{}", s(row.predicted_ms), row.predicted,
                    s(observed), row.measured_error.empty() ? "" : "; Swarm says: " + row.measured_error);
  } else if (back) {
    row.verdict = DrillVerdict::back_unexpectedly;
    row.why = fmt::format(
        "predicted to stay down ({}) but Swarm started it on {} after {}: check that its "
        "data came along (a local volume starts EMPTY elsewhere)",
        row.predicted, row.measured_on.empty() ? "-" : row.measured_on, s(row.measured_ms));
  } else {
    row.verdict = DrillVerdict::stayed_down;
    row.why = fmt::format("still down after {}, as predicted: {}", s(observed), row.predicted);
    if (!row.measured_error.empty()) row.why += "; Swarm says: " + row.measured_error;
  }
}

int DrillResult::misses() const {
  int n = static_cast<int>(
      std::count_if(rows.begin(), rows.end(), [](const DrillRow& r) { return is_miss(r.verdict); }));
  if (!quorum.has_quorum && !quorum_refused) ++n;  // predicted lost, but it still scheduled
  if (quorum.has_quorum && quorum_refused) ++n;    // predicted kept, but it refused
  return n;
}

std::string render_drill(const DrillResult& r) {
  std::string out = fmt::format("Drill: {}{} (quorum {} of {} managers{})\n", r.scenario,
                                r.stack.empty() ? "" : " on stack " + r.stack, r.quorum.alive,
                                r.quorum.managers, r.quorum.has_quorum ? ", kept" : ", LOST");
  if (!r.quorum.has_quorum) {
    out +=
        fmt::format("predicted: quorum lost, nothing rescheduled; measured: {}\n",
                    r.quorum_refused ? "the surviving manager refused to schedule (" + r.quorum_message + ")"
                                     : "the cluster still scheduled (prediction wrong!)");
  } else if (r.leader_ms >= 0) {
    out += fmt::format(
        "predicted: quorum kept; measured: a manager answered with a leader after {:.1f} s{}\n",
        r.leader_ms / 1000.0, r.leader_lost ? " (the leader was lost: a new one was elected)" : "");
  } else if (r.quorum_refused) {
    out += "predicted: quorum kept; measured: the managers refused (" + r.quorum_message + ")\n";
  }
  Table t({"SERVICE", "FROM", "PREDICTED", ">MEASURED", "ON", "VERDICT"});
  for (const auto& row : r.rows)
    t.add_row({row.service, row.from, row.predicted,
               row.measured_ms >= 0 ? fmt::format("{:.1f} s", row.measured_ms / 1000.0) : "not back",
               row.measured_on.empty() ? "-" : row.measured_on, to_string(row.verdict)});
  out += t.render();
  for (const auto& row : r.rows)
    if (is_miss(row.verdict)) out += fmt::format("  {}: {}\n", row.service, row.why);
  if (r.all_back_ms >= 0)
    out += fmt::format("every affected service back after {:.1f} s\n", r.all_back_ms / 1000.0);
  out += r.misses() == 0 ? "measured as predicted\n"
                         : fmt::format("{} miss(es) against the prediction\n", r.misses());
  return out;
}

}  // namespace rehome::resilience
