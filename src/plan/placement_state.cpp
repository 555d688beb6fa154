#include "plan/placement_state.hpp"

namespace rehome::plan {

PlacementState::PlacementState(const model::Estate& estate, double headroom)
    : context_(estate, headroom), rules_(default_feasibility_rules()), loads_(estate.servers.size()) {}

PlacementState::PlacementState(const model::Estate& estate, double headroom, const Plan& plan)
    : PlacementState(estate, headroom) {
  for (const auto& a : plan.assignments) {
    const auto* svc = estate.find_service(a.service);
    const auto* server = estate.find_server(a.server);
    if (svc && server) add(*svc, context_.index_of(*server));
  }
}

std::optional<std::string> PlacementState::why_not(const model::Service& service, size_t server) const {
  return first_refusal(rules_, service, context_.estate.servers[server], loads_[server], context_);
}

bool PlacementState::fits(const model::Service& service, size_t server) const {
  const auto& srv = context_.estate.servers[server];
  for (const auto& rule : rules_)
    if (!rule->allows(service, srv, loads_[server], context_)) return false;
  return true;
}

void PlacementState::add(const model::Service& s, size_t server) { loads_[server].add(s, context_.id_of(s)); }

void PlacementState::remove(const model::Service& s, size_t server) {
  loads_[server].remove(s, context_.id_of(s));
}

void PlacementState::clear_server(size_t server) { loads_[server] = ServerLoad{}; }

model::Bytes PlacementState::free_memory(size_t server) const {
  return context_.memory_capacity(context_.estate.servers[server]) - loads_[server].memory;
}

model::MilliCpu PlacementState::free_cpu(size_t server) const {
  return context_.cpu_capacity(context_.estate.servers[server]) - loads_[server].cpu;
}

}  // namespace rehome::plan
