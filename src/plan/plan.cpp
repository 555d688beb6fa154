#include "plan/plan.hpp"

namespace rehome::plan {
namespace {

bool listed(const std::vector<RoleChoice>& choices, const std::string& server) {
  for (const auto& c : choices)
    if (c.server == server) return true;
  return false;
}

std::vector<std::string> names(const std::vector<RoleChoice>& choices) {
  std::vector<std::string> out;
  for (const auto& c : choices) out.push_back(c.server);
  return out;
}

}  // namespace

bool Roles::is_manager(const std::string& server) const { return listed(managers, server); }
bool Roles::is_edge(const std::string& server) const { return listed(edge, server); }
std::vector<std::string> Roles::manager_names() const { return names(managers); }
std::vector<std::string> Roles::edge_names() const { return names(edge); }

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
