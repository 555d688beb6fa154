#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runbook/runbook.hpp"

namespace rehome::runbook {

// Progress of `rehome migrate run --execute`, saved (atomically) after every change so a run that was
// interrupted resumes where it stopped. Times are milliseconds since the Unix epoch.
enum class StepStatus { pending, running, done, failed };

struct StepRecord {
  StepStatus status = StepStatus::pending;
  std::string command_digest;  // a step whose command changed since it ran is run again
  std::int64_t started_at = 0;
  std::int64_t finished_at = 0;
  std::int64_t duration_ms = 0;  // summed over attempts
  int attempts = 0;
  std::string output;  // the last lines of its output, secrets masked
  std::string error;   // why it failed
};

struct PhaseRecord {
  std::string status = "pending";  // pending | running | done | failed | skipped
  std::int64_t started_at = 0;
  std::int64_t finished_at = 0;
  std::int64_t duration_ms = 0;  // summed step time, over every run
};

struct RunState {
  std::string estate;
  std::string run_tag;  // the latest run's id, in its commands' environment (kRunTagVariable)
  std::map<std::string, StepRecord> steps;
  std::map<int, PhaseRecord> phases;
};

nlohmann::json to_json(const RunState& state);
RunState state_from_json(const nlohmann::json& j, const std::string& filename);  // UserError when malformed

// Missing file = a fresh state. Malformed = UserError naming the file.
RunState load_state(const std::filesystem::path& path);
void save_state(const std::filesystem::path& path, const RunState& state);

std::string digest(const Step& step);  // of command + verify
std::string to_string(StepStatus s);

// Why a cleanup step may not run yet, or nullopt when it may: its phase must be done and the
// verification window over, unless forced.
std::optional<std::string> gate_refusal(const Step& step, const RunState& state, std::int64_t now_ms,
                                        std::int64_t window_ms, bool force);

// Phase timings for the report: evidence/phases.json (kind rehome.phases).
struct StepEvidence {
  std::string id, title, status;
  std::int64_t duration_ms = 0;
  int attempts = 0;
  std::string output;  // the last lines, secrets masked
};
struct PhaseEvidence {
  int number = 0;
  std::string name, status;
  std::string started_at, finished_at;  // ISO 8601 UTC, "" when not yet
  std::int64_t duration_ms = 0;
  std::vector<StepEvidence> steps;
};
struct PhasesEvidence {
  std::string estate;
  std::vector<PhaseEvidence> phases;
};
inline constexpr const char* kPhasesKind = "rehome.phases";
inline constexpr int kPhasesFormat = 1;
PhasesEvidence phase_evidence(const Runbook& runbook, const RunState& state);
nlohmann::json to_json(const PhasesEvidence& phases);
PhasesEvidence phases_from_json(const nlohmann::json& j);  // UserError / json::exception if malformed

std::string iso_time(std::int64_t ms_since_epoch);

}  // namespace rehome::runbook
