#pragma once
#include <map>
#include <string>

#include "resilience/recovery_model.hpp"

namespace rehome::resilience {

// The recovery model's flags as `rehome failover` and `rehome drill` take them: flag name (without
// dashes) -> text as typed. Known: heartbeat, dispatcher-heartbeat (detection = 3 x it), election,
// scheduling, restart-delay, image-pull, container-start. Empty texts are ignored. UserError names
// the flag when a value is not a duration.
RecoveryModel apply_overrides(RecoveryModel model, const std::map<std::string, std::string>& flags);

}  // namespace rehome::resilience
