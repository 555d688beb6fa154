#pragma once
// The steps of the data the volume mover carries (data_plan.hpp): a named volume or bind folder copied
// from the old host's Docker engine to the target server's, proven by the per-file sha256 manifests of
// both sides. A cold item (an engine without a native mover: influxdb, mongo) has its service stopped
// on the old server and held at 0 on the new one first, and started on the new one once proven.
#include <vector>

#include "runbook/data_plan.hpp"

namespace rehome::runbook {

// The steps of `items` (volume and cold ones) in order, in `phase`.
std::vector<Step> volume_steps(const Context& c, const std::vector<DataItem>& items, int phase);

}  // namespace rehome::runbook
