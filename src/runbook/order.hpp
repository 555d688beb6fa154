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

// The Swarm stack a service is deployed in, as `rehome generate` names it.
std::string stack_of(const model::Service& service);

// The phase a service starts in: 3 databases and caches, 4 monitoring and logging, 5 the rest.
int service_phase(const model::Service& service);

// Whether a stack is deployed in `phase`. A stack that mixes a database with the applications
// using it is deployed in phase 3 with those applications held at 0 replicas (so nothing writes to
// the new, still empty database), and again in phase 5 to start them. Likewise a stack that mixes
// monitoring with applications is deployed in phase 4 with the applications held, so monitoring
// always starts before the services it watches.
bool deployed_in(const model::Estate& estate, const std::string& stack, int phase);
// The services of `stack` held at 0 replicas when it is deployed in `phase` (3 or 4): those that start
// in a later phase (global services cannot be held and start with it).
std::vector<std::string> held_in_phase(const model::Estate& estate, const std::string& stack, int phase);
std::vector<std::string> held_in_phase_3(const model::Estate& estate, const std::string& stack);

// Stacks of one phase in dependency order (a stack after the stacks its services depend on), service
// discovery first; and the services of a stack in dependency order.
Ordering stacks_in_order(const model::Estate& estate, int phase);
std::vector<std::string> services_in_order(const model::Estate& estate, const std::string& stack);

}  // namespace rehome::runbook
