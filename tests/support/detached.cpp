#include "support/detached.hpp"

#include "common/process.hpp"

namespace rehome::test {

int start_detached(const std::string& script, const std::map<std::string, std::string>& env) {
  auto r = run_process({"sh", "-c", "(" + script + ") >/dev/null 2>&1 & echo $!"}, {.env = env});
  return std::stoi(r.out);
}

}  // namespace rehome::test
