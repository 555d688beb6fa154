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
    const Scorer& scorer, const Plan& plan, const std::vector<ServerLoad>& loads, const PlacementContext& ctx,
    const std::function<std::optional<Verdict>(const model::Service&, const model::Server&,
                                               const ServerLoad&)>& judge);

std::string gb(model::Bytes b);  // "28.0 GB"

}  // namespace rehome::plan
