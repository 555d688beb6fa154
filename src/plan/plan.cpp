#include "plan/plan.hpp"

namespace rehome::plan {

std::vector<std::string> Plan::servers_of(const std::string& service) const {
  std::vector<std::string> out;
  for (const auto& a : assignments)
    if (a.service == service) out.push_back(a.server);
  return out;
}

std::vector<std::string> Plan::services_on(const std::string& server) const {
  std::vector<std::string> out;
  for (const auto& a : assignments)
    if (a.server == server) out.push_back(a.service);
  return out;
}

}  // namespace rehome::plan
