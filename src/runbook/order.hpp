#pragma once
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "model/estate.hpp"

namespace rehome::runbook {

struct Ordering {
  std::vector<std::string> order;
  std::vector<std::string> cycle;  // nodes that were in a dependency cycle (ordered by name), if any
};

// Kahn's algorithm: every node after the nodes it depends on. Among the ready nodes, `first` ones come
// before the others, then by name, so the order is stable. A cycle does not stop it: the remaining
// nodes follow by name and are reported.
Ordering dependency_order(const std::set<std::string>& nodes,
                          const std::map<std::string, std::set<std::string>>& depends_on,
                          const std::function<bool(const std::string&)>& first);

// Service discovery (Eureka, Consul, ...) is started before whatever registers with it.
bool is_service_discovery(const model::Service& service);

// The Swarm stack a service is deployed in (its `stack`, or "default").
std::string stack_of(const model::Service& service);

// The phase a stack is deployed in: 3 when it holds a database or cache, 4 when it is all
// monitoring/logging, otherwise 5.
int stack_phase(const model::Estate& estate, const std::string& stack);

// Stacks of one phase in dependency order (a stack after the stacks its services depend on), service
// discovery first; and the services of a stack in dependency order.
Ordering stacks_in_order(const model::Estate& estate, int phase);
std::vector<std::string> services_in_order(const model::Estate& estate, const std::string& stack);

}  // namespace rehome::runbook
