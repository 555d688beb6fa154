#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "model/estate.hpp"
#include "plan/check.hpp"
#include "plan/plan.hpp"

namespace rehome::plan {

// What `rehome plan` and `rehome check` print: text for people, JSON for programs.

// The distribution table of seed 002 (server, address, memory, CPU, role, services, memory used/total
// and %, CPU %), the services per server, and every soft rule not met with its reason.
std::string render_plan(const Plan& plan, const model::Estate& estate);
nlohmann::json plan_to_json(const Plan& plan, const model::Estate& estate);

// Findings first, then the proposal beside the recommended plan, per server.
std::string render_check(const CheckReport& report, const model::Estate& estate);
nlohmann::json check_to_json(const CheckReport& report, const model::Estate& estate);

// A short role for a server from what it runs, biggest share first: "production + data", "staging".
std::string server_role(const Plan& plan, const model::Estate& estate, const std::string& server);

}  // namespace rehome::plan
