#include "runbook/old_containers.hpp"

#include <fmt/format.h>

#include "runbook/shell.hpp"

namespace rehome::runbook {

std::string for_each_old_container(const std::vector<std::string>& names, const std::string& action) {
  return fmt::format("for c in {}; do docker ps -aq --filter \"name=^$c\\$\" | xargs -r docker {}; done",
                     join(names, " "), action);
}

std::string no_old_container(const std::vector<std::string>& names, bool all) {
  return fmt::format("for c in {}; do [ -z \"$(docker ps -q{} --filter \"name=^$c\\$\")\" ] || exit 1; done",
                     join(names, " "), all ? "a" : "");
}

}  // namespace rehome::runbook
