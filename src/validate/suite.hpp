#pragma once
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "model/estate.hpp"
#include "validate/result.hpp"
#include "validate/targets.hpp"

namespace rehome::validate {

// Runs every probe of the targets file, and marks as Skipped what the estate has but the targets
// file does not say how to reach (so a gap is visible, never silently passed).
// `env` expands ${VARIABLES} in URLs (the credentials). `progress` is told each probe's result.
// `only` not empty: probe these areas and no other (e.g. network and security right after a firewall).
Suite run_suite(const model::Estate* estate, const Targets& targets,
                const std::map<std::string, std::string>& env,
                const std::function<void(const ProbeResult&)>& progress = {},
                const std::set<Area>& only = {});

// "network" -> Area::network (the keys of area_key); nullopt for anything else.
std::optional<Area> parse_area(const std::string& key);

// What the estate expects that `targets` leaves unprobed, as Skipped results. Pure.
std::vector<ProbeResult> unprobed(const model::Estate& estate, const Targets& targets);

}  // namespace rehome::validate
