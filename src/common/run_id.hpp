#pragma once
#include <string>

namespace rehome {

// A new run's id: 16 hex digits, random. Movers record it in their state and on the target; the move
// and runbook executors tag their commands with it.
std::string new_run_id();

}  // namespace rehome
