#pragma once
#include <functional>
#include <map>
#include <string>

#include "model/estate.hpp"
#include "validate/result.hpp"
#include "validate/targets.hpp"

namespace rehome::validate {

// Runs every probe of the targets file, and marks as Skipped what the estate has but the targets
// file does not say how to reach (so a gap is visible, never silently passed).
// `env` expands ${VARIABLES} in URLs (the credentials). `progress` is told each probe's result.
Suite run_suite(const model::Estate* estate, const Targets& targets,
                const std::map<std::string, std::string>& env,
                const std::function<void(const ProbeResult&)>& progress = {});

// What the estate expects that `targets` leaves unprobed, as Skipped results. Pure.
std::vector<ProbeResult> unprobed(const model::Estate& estate, const Targets& targets);

}  // namespace rehome::validate
