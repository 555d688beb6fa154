#pragma once
// The old containers on the old server, found by their names (the compose service names): how the
// cleanup and a cold copy stop, start and remove them.
#include <string>
#include <vector>

namespace rehome::runbook {

// `docker <action>` (stop, start, rm) of every container named after one of `names`.
std::string for_each_old_container(const std::vector<std::string>& names, const std::string& action);
// Exit 0 when no container named after one of `names` runs (`all`: exists, running or not).
std::string no_old_container(const std::vector<std::string>& names, bool all = false);

}  // namespace rehome::runbook
