// The runbook's evidence: PhasesEvidence <-> JSON (phases.json, kind rehome.phases).
#include "common/evidence.hpp"
#include "runbook/state.hpp"

namespace rehome::runbook {

using nlohmann::json;

json to_json(const PhasesEvidence& e) {
  json phases = json::array();
  for (const auto& p : e.phases) {
    json steps = json::array();
    for (const auto& s : p.steps) {
      steps.push_back({{"id", s.id},
                       {"title", s.title},
                       {"status", s.status},
                       {"duration_ms", s.duration_ms},
                       {"attempts", s.attempts},
                       {"output", s.output}});
    }
    phases.push_back({{"number", p.number},
                      {"name", p.name},
                      {"status", p.status},
                      {"started_at", p.started_at},
                      {"finished_at", p.finished_at},
                      {"duration_ms", p.duration_ms},
                      {"steps", steps}});
  }
  json j = {{"estate", e.estate}, {"phases", phases}};
  evidence::stamp(j, kPhasesKind, kPhasesFormat);
  return j;
}

PhasesEvidence phases_from_json(const json& j) {
  evidence::require(j, kPhasesKind, kPhasesFormat);
  PhasesEvidence e;
  e.estate = j.value("estate", "");
  for (const auto& p : j.at("phases")) {
    PhaseEvidence phase;
    phase.number = p.at("number").get<int>();
    phase.name = p.at("name").get<std::string>();
    phase.status = p.at("status").get<std::string>();
    phase.started_at = p.value("started_at", "");
    phase.finished_at = p.value("finished_at", "");
    phase.duration_ms = p.value("duration_ms", std::int64_t{0});
    for (const auto& s : p.at("steps")) {
      phase.steps.push_back({s.at("id").get<std::string>(), s.value("title", ""),
                             s.at("status").get<std::string>(), s.value("duration_ms", std::int64_t{0}),
                             s.value("attempts", 0), s.value("output", "")});
    }
    e.phases.push_back(std::move(phase));
  }
  return e;
}

}  // namespace rehome::runbook
