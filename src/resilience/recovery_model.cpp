#include "resilience/recovery_model.hpp"

namespace rehome::resilience {

model::Millis detection_from_dispatcher_heartbeat(model::Millis period) { return period * 3; }

RecoveryEstimate estimate_recovery(const model::Service& service, const RecoveryModel& m,
                                   const RecoveryContext& ctx) {
  RecoveryEstimate e;
  auto add = [&](const char* what, model::Millis ms) {
    if (ms <= 0) return;
    e.parts.emplace_back(what, ms);
    e.expected += ms;
  };
  if (ctx.manager_lost) add("leader election", m.leader_election);
  add("detection", m.detection);
  add("scheduling", m.scheduling);
  add("restart delay", m.restart_delay);
  if (!ctx.image_present) add("image pull", m.image_pull);
  add("container start", m.container_start);
  e.worst = e.expected;
  if (service.healthcheck) {
    // Docker runs the first check one interval after start; failures inside the start period do not
    // count. Expected: healthy at the first check after the start period. Worst: it needs every retry.
    const auto& hc = *service.healthcheck;
    model::Millis first = hc.interval;
    if (hc.interval <= 0)
      first = hc.start_period;
    else if (first < hc.start_period)
      first = (hc.start_period + hc.interval - 1) / hc.interval * hc.interval;
    add("health check", first);
    e.worst += first + hc.interval * (hc.retries > 1 ? hc.retries - 1 : 0);
  }
  return e;
}

}  // namespace rehome::resilience
