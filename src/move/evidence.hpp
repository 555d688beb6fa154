#pragma once
// The move's evidence for the report: <work_dir>/evidence/move.json, kind "rehome.move", format 1.
// It says what the move did and, per service, the measured write-unavailability window (from the
// stop of its old writers to its new instance running).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "move/journal.hpp"
#include "move/move.hpp"

namespace rehome::move {

inline constexpr const char* kEvidenceKind = "rehome.move";
inline constexpr int kEvidenceFormat = 1;

struct ServiceDowntime {
  std::string service;
  std::int64_t window_ms = -1;  // -1: the freeze has not ended (the move stopped in between)
  std::string clock;            // "monotonic", or "wall clock (rebooted)"
};

struct StepOutcome {
  std::string id, title, status, summary;
  std::int64_t duration_ms = 0;
};

struct MoveEvidence {
  std::string estate;
  std::string status;                            // running | failed | done | rolled-back
  std::int64_t started_at = 0, finished_at = 0;  // wall clock, ms since the epoch
  std::int64_t total_ms = 0;                     // first --execute to the end (monotonic when possible)
  std::string point_of_no_return;
  bool no_return_passed = false;
  std::vector<ServiceDowntime> downtime;
  std::vector<StepOutcome> steps;
};

MoveEvidence make_evidence(const Move& move, const Journal& journal, std::int64_t now_mono_ms);
nlohmann::json to_json(const MoveEvidence& evidence);
// UserError naming `filename` when it is not a rehome.move of format 1.
MoveEvidence move_evidence_from_json(const nlohmann::json& j, const std::string& filename);

}  // namespace rehome::move
