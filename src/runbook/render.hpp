#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "runbook/runbook.hpp"

namespace rehome::runbook {

// For people: a phase per section, each step with what, command, verification and rollback.
std::string to_markdown(const Runbook& runbook);

// For programs: the same content as JSON (and back, for the executor's tests and tools).
nlohmann::json to_json(const Runbook& runbook);

}  // namespace rehome::runbook
