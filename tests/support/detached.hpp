#pragma once
// A process that outlives the shell that started it, as a killed run's command does.
#include <map>
#include <string>

namespace rehome::test {

// Runs `script` in the background of `sh -c` with `env` added to its environment; the shell returns at
// once and the script runs on, its parent gone. Returns the script's pid.
int start_detached(const std::string& script, const std::map<std::string, std::string>& env);

}  // namespace rehome::test
