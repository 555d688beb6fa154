// The validation's evidence: Suite <-> JSON (kind rehome.validation).
#include "common/error.hpp"
#include "common/evidence.hpp"
#include "validate/result.hpp"

namespace rehome::validate {

using nlohmann::json;

json to_json(const Suite& suite) {
  json cats = json::array();
  auto score_json = [](const Score& s) {
    return json{{"passed", s.passed}, {"skipped", s.skipped}, {"partial", s.partial},
                {"failed", s.failed}, {"total", s.total()},   {"score_percent", s.percent()}};
  };
  for (Area a : kAreas) {
    auto j = score_json(suite.score(a));
    j["category"] = area_key(a);
    j["title"] = to_string(a);
    cats.push_back(j);
  }
  json probes = json::array();
  for (const auto& r : suite.results) {
    json p{{"category", area_key(r.area)},
           {"name", r.name},
           {"outcome", to_string(r.outcome)},
           {"reason", r.reason}};
    if (r.measured_ms) p["measured_ms"] = *r.measured_ms;
    probes.push_back(p);
  }
  json j = {
      {"ok", suite.ok()},   {"status", to_string(suite.status())},    {"status_reason", status_reason(suite)},
      {"categories", cats}, {"overall", score_json(suite.overall())}, {"probes", probes}};
  evidence::stamp(j, kValidationKind, kValidationFormat);
  return j;
}

Suite suite_from_json(const json& j) {
  evidence::require(j, kValidationKind, kValidationFormat);
  Suite suite;
  for (const auto& p : j.at("probes")) {
    ProbeResult r;
    std::string category = p.at("category").get<std::string>(), outcome = p.at("outcome").get<std::string>();
    bool known_area = false, known_outcome = false;
    for (Area a : kAreas)
      if (area_key(a) == category) r.area = a, known_area = true;
    for (Outcome o : {Outcome::passed, Outcome::skipped, Outcome::partial, Outcome::failed})
      if (to_string(o) == outcome) r.outcome = o, known_outcome = true;
    if (!known_area || !known_outcome)
      throw UserError("validation evidence: probe '" + p.value("name", "") +
                      "' has an unknown category or outcome");
    r.name = p.at("name").get<std::string>();
    r.reason = p.at("reason").get<std::string>();
    if (p.contains("measured_ms")) r.measured_ms = p.at("measured_ms").get<double>();
    suite.results.push_back(r);
  }
  return suite;
}

}  // namespace rehome::validate
