// The drill's evidence file: {kind: "rehome.drill", format: 1, ...}, read back by the report.
#include <fmt/format.h>

#include "common/error.hpp"
#include "resilience/drill.hpp"

namespace rehome::resilience {
namespace {

using nlohmann::json;

const std::pair<DrillVerdict, const char*> kVerdicts[] = {
    {DrillVerdict::within, "within"},     {DrillVerdict::stayed_down, "stayed_down"},
    {DrillVerdict::slower, "slower"},     {DrillVerdict::faster, "faster"},
    {DrillVerdict::not_back, "not_back"}, {DrillVerdict::back_unexpectedly, "back_unexpectedly"}};

std::string verdict_key(DrillVerdict v) {
  for (const auto& [verdict, key] : kVerdicts)
    if (verdict == v) return key;
  return "not_back";
}

struct Reader {
  const std::string& origin;

  [[noreturn]] void fail(const std::string& what) const {
    throw UserError(fmt::format("{}: {}", origin, what),
                    "write it again with `rehome drill --evidence DIR` (format 1)");
  }
  template <typename T>
  T get(const json& j, const char* key) const {
    if (!j.contains(key)) fail(fmt::format("no field '{}'", key));
    try {
      return j.at(key).get<T>();
    } catch (const json::exception&) {
      fail(fmt::format("field '{}' has the wrong type", key));
    }
  }
  template <typename T>
  T get_or(const json& j, const char* key, T fallback) const {
    return j.contains(key) && !j.at(key).is_null() ? get<T>(j, key) : fallback;
  }
};

}  // namespace

json to_json(const DrillResult& r) {
  json rows = json::array();
  for (const auto& row : r.rows)
    rows.push_back({{"service", row.service},
                    {"from", row.from},
                    {"predicted", row.predicted},
                    {"predicted_ms", row.predicted_ms},
                    {"measured_ms", row.measured_ms},
                    {"measured_on", row.measured_on},
                    {"measured_error", row.measured_error},
                    {"verdict", verdict_key(row.verdict)},
                    {"miss", is_miss(row.verdict)},
                    {"why", row.why}});
  return {{"kind", kDrillKind},
          {"format", kDrillFormat},
          {"scenario", r.scenario},
          {"failed", r.failed},
          {"stack", r.stack},
          {"quorum",
           {{"managers", r.quorum.managers},
            {"alive", r.quorum.alive},
            {"needed", r.quorum.needed},
            {"has_quorum", r.quorum.has_quorum}}},
          {"quorum_predicted", r.quorum.has_quorum},
          {"leader_lost", r.leader_lost},
          {"quorum_refused", r.quorum_refused},
          {"quorum_message", r.quorum_message},
          {"leader_ms", r.leader_ms},
          {"all_back_ms", r.all_back_ms},
          {"timeout_ms", r.timeout},
          {"observed_ms", r.observed_ms},
          {"misses", r.misses()},
          {"services", rows}};
}

DrillResult drill_from_json(const json& j, const std::string& origin) {
  Reader rd{origin};
  if (!j.is_object()) rd.fail("not a JSON object");
  std::string kind = j.value("kind", "");
  if (kind != kDrillKind) rd.fail(fmt::format("kind '{}' is not {}", kind, kDrillKind));
  int format = rd.get<int>(j, "format");
  if (format > kDrillFormat)
    throw UserError(fmt::format("{}: drill evidence format {} is newer than this rehome reads ({})", origin,
                                format, kDrillFormat),
                    "use the rehome that wrote it, or a newer one");
  DrillResult r;
  r.scenario = rd.get<std::string>(j, "scenario");
  r.failed = rd.get_or<std::vector<std::string>>(j, "failed", {});
  r.stack = rd.get_or<std::string>(j, "stack", "");
  const json& q = j.contains("quorum") ? j["quorum"] : json::object();
  r.quorum.managers = rd.get_or<int>(q, "managers", 0);
  r.quorum.alive = rd.get_or<int>(q, "alive", 0);
  r.quorum.needed = rd.get_or<int>(q, "needed", 0);
  r.quorum.has_quorum = rd.get_or<bool>(q, "has_quorum", rd.get_or<bool>(j, "quorum_predicted", false));
  r.leader_lost = rd.get_or<bool>(j, "leader_lost", false);
  r.quorum_refused = rd.get_or<bool>(j, "quorum_refused", false);
  r.quorum_message = rd.get_or<std::string>(j, "quorum_message", "");
  r.leader_ms = rd.get_or<model::Millis>(j, "leader_ms", -1);
  r.all_back_ms = rd.get_or<model::Millis>(j, "all_back_ms", -1);
  r.timeout = rd.get_or<model::Millis>(j, "timeout_ms", 0);
  r.observed_ms = rd.get_or<model::Millis>(j, "observed_ms", 0);
  if (!j.contains("services") || !j["services"].is_array()) rd.fail("no list 'services'");
  for (const auto& s : j["services"]) {
    DrillRow row;
    row.service = rd.get<std::string>(s, "service");
    row.from = rd.get_or<std::string>(s, "from", "");
    row.predicted = rd.get_or<std::string>(s, "predicted", "");
    row.predicted_ms = rd.get_or<model::Millis>(s, "predicted_ms", -1);
    row.measured_ms = rd.get_or<model::Millis>(s, "measured_ms", -1);
    row.measured_on = rd.get_or<std::string>(s, "measured_on", "");
    row.measured_error = rd.get_or<std::string>(s, "measured_error", "");
    row.why = rd.get_or<std::string>(s, "why", "");
    std::string v = rd.get<std::string>(s, "verdict");
    bool known = false;
    for (const auto& [verdict, key] : kVerdicts)
      if (v == key) {
        row.verdict = verdict;
        known = true;
      }
    if (!known) rd.fail(fmt::format("service {}: unknown verdict '{}'", row.service, v));
    r.rows.push_back(row);
  }
  return r;
}

}  // namespace rehome::resilience
