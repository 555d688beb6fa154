#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "plan/scorers.hpp"

namespace rehome::plan {

// A verdict for one service on one server: met or not, and why.
struct Verdict {
  bool met = false;
  std::string reason;
};

// Calls `judge` once per distinct (service, server) of the plan, for services the scorer applies to, with
// the server's final load; collects the outcomes it returns.
std::vector<SoftRuleOutcome> explain_each_placement(
    const Scorer& scorer, const PlanIndex& placed, const PlacementContext& ctx,
    const std::function<std::optional<Verdict>(const model::Service&, const model::Server&,
                                               const ServerLoad&)>& judge);

std::string gb(model::Bytes b);  // "28.0 GB"

// Server names sorted, as a person reads them ("a, b"); the lexically first and last of them.
std::vector<std::string> sorted_names(const std::vector<std::uint32_t>& servers, const PlacementContext& ctx);

}  // namespace rehome::plan
