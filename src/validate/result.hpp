#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rehome::validate {

// Seed 000's vocabulary: every probe is Passed, Skipped, Partial or Failed, with the reason.
enum class Outcome { passed, skipped, partial, failed };
enum class Area { databases, services, monitoring, network, security, resources };
inline constexpr Area kAreas[] = {Area::databases, Area::services, Area::monitoring,
                                  Area::network,   Area::security, Area::resources};

struct ProbeResult {
  Area area = Area::databases;
  std::string name;  // "gibd-postgres query", "ws-gateway health", ...
  Outcome outcome = Outcome::skipped;
  std::string reason;  // in plain words, secrets masked
  std::optional<double> measured_ms;
};

struct Score {
  int passed = 0, skipped = 0, partial = 0, failed = 0;
  int total() const { return passed + skipped + partial + failed; }
  double percent() const { return total() ? 100.0 * passed / total() : 0.0; }  // as 000: passed / all
};

// The verdict. A run that skipped or only partly passed a probe never says PASSED: what was not proven
// is not proven, so it says INCOMPLETE and why (seed 000 printed PASSED with 39 of 41 probes skipped).
enum class Status { passed, incomplete, failed };

struct Suite {
  std::vector<ProbeResult> results;
  Score score(Area area) const;
  Score overall() const;
  Status status() const;
  bool ok() const { return status() == Status::passed; }
};

std::string to_string(Status s);                // "PASSED", "INCOMPLETE", "FAILED"
std::string status_reason(const Suite& suite);  // "" when passed; else "3 of 41 probes skipped, 1 partial"

std::string to_string(Outcome o);  // "Passed", ...
std::string to_string(Area a);     // "Database Services", ...
std::string area_key(Area a);      // "databases", ...

// 000's table: Test Category | Passed | Skipped | Partial | Failed | Score, then TOTAL, then the
// verdict; followed by every probe not passed with its reason.
std::string render_table(const Suite& suite);
// Evidence (validation.json): {kind: rehome.validation, format, ok, status, categories, overall, probes}.
// The scores are derived: reading it back keeps the probes, and the rest follows from them.
inline constexpr const char* kValidationKind = "rehome.validation";
inline constexpr int kValidationFormat = 1;
nlohmann::json to_json(const Suite& suite);
Suite suite_from_json(const nlohmann::json& j);  // UserError / json::exception if malformed

}  // namespace rehome::validate
