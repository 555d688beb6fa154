#include "resilience/model_overrides.hpp"

#include <fmt/format.h>

#include "common/error.hpp"

namespace rehome::resilience {

RecoveryModel apply_overrides(RecoveryModel m, const std::map<std::string, std::string>& flags) {
  const std::map<std::string, model::Millis*> fields = {
      {"heartbeat", &m.detection},   {"election", &m.leader_election},
      {"scheduling", &m.scheduling}, {"restart-delay", &m.restart_delay},
      {"image-pull", &m.image_pull}, {"container-start", &m.container_start}};
  auto parse = [](const std::string& flag, const std::string& text) {
    auto ms = model::parse_duration(text);
    if (!ms || *ms < 0)
      throw UserError(fmt::format("--{} {}: not a duration", flag, text),
                      "write it like 10s, 1m30s or 500ms");
    return *ms;
  };
  for (const auto& [flag, text] : flags) {
    if (text.empty()) continue;
    if (auto it = fields.find(flag); it != fields.end()) *it->second = parse(flag, text);
  }
  // The dispatcher heartbeat is what a cluster is configured with; it wins over a plain --heartbeat.
  if (auto it = flags.find("dispatcher-heartbeat"); it != flags.end() && !it->second.empty())
    m.detection = detection_from_dispatcher_heartbeat(parse("dispatcher-heartbeat", it->second));
  return m;
}

}  // namespace rehome::resilience
