#include "move/evidence.hpp"

#include <fmt/format.h>

#include "common/error.hpp"

namespace rehome::move {

MoveEvidence make_evidence(const Move& move, const Journal& jr, std::int64_t now_mono_ms) {
  MoveEvidence e;
  e.estate = move.estate;
  e.started_at = jr.started_at;
  e.finished_at = jr.finished_at;
  e.point_of_no_return = move.point_of_no_return;
  e.no_return_passed = jr.no_return_passed;
  bool failed = false, all_done = true, rolled_back = false;
  for (const auto& s : move.steps) {
    auto it = jr.steps.find(s.id);
    StepEntry entry = it == jr.steps.end() ? StepEntry{} : it->second;
    failed = failed || entry.status == "failed";
    rolled_back = rolled_back || entry.status == "rolled-back";
    all_done = all_done && entry.status == "done";
    e.steps.push_back({s.id, s.title, entry.status, entry.summary, entry.duration_ms});
  }
  e.status = all_done ? "done" : rolled_back ? "rolled-back" : failed ? "failed" : "running";
  for (const auto& w : move.writers) {
    ServiceDowntime d{w, -1, ""};
    if (auto it = jr.freezes.find(w); it != jr.freezes.end())
      d.window_ms = freeze_window_ms(it->second, &d.clock);
    e.downtime.push_back(d);
  }
  if (jr.started_mono >= 0 && now_mono_ms >= jr.started_mono) e.total_ms = now_mono_ms - jr.started_mono;
  return e;
}

nlohmann::json to_json(const MoveEvidence& e) {
  nlohmann::json downtime = nlohmann::json::array(), steps = nlohmann::json::array();
  for (const auto& d : e.downtime)
    downtime.push_back({{"service", d.service}, {"window_ms", d.window_ms}, {"clock", d.clock}});
  for (const auto& s : e.steps)
    steps.push_back({{"id", s.id},
                     {"title", s.title},
                     {"status", s.status},
                     {"summary", s.summary},
                     {"duration_ms", s.duration_ms}});
  return {{"kind", kEvidenceKind},
          {"format", kEvidenceFormat},
          {"estate", e.estate},
          {"status", e.status},
          {"started_at", e.started_at},
          {"finished_at", e.finished_at},
          {"total_ms", e.total_ms},
          {"point_of_no_return", e.point_of_no_return},
          {"no_return_passed", e.no_return_passed},
          {"downtime", downtime},
          {"steps", steps}};
}

MoveEvidence move_evidence_from_json(const nlohmann::json& j, const std::string& filename) {
  if (!j.is_object() || j.value("kind", "") != kEvidenceKind || j.value("format", 0) != kEvidenceFormat)
    throw UserError(
        fmt::format("{}: not move evidence (kind {}, format {})", filename, kEvidenceKind, kEvidenceFormat),
        "write it with `rehome move --execute` of this version");
  try {
    MoveEvidence e;
    e.estate = j.value("estate", "");
    e.status = j.value("status", "");
    e.started_at = j.value("started_at", std::int64_t{0});
    e.finished_at = j.value("finished_at", std::int64_t{0});
    e.total_ms = j.value("total_ms", std::int64_t{0});
    e.point_of_no_return = j.value("point_of_no_return", "");
    e.no_return_passed = j.value("no_return_passed", false);
    for (const auto& d : j.at("downtime"))
      e.downtime.push_back(
          {d.at("service").get<std::string>(), d.value("window_ms", std::int64_t{-1}), d.value("clock", "")});
    for (const auto& s : j.at("steps"))
      e.steps.push_back({s.at("id").get<std::string>(), s.value("title", ""), s.value("status", ""),
                         s.value("summary", ""), s.value("duration_ms", std::int64_t{0})});
    return e;
  } catch (const nlohmann::json::exception& ex) {
    throw UserError(fmt::format("{}: malformed move evidence: {}", filename, ex.what()),
                    "write it again with `rehome move --execute`");
  }
}

}  // namespace rehome::move
