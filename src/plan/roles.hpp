#pragma once
// The cluster's roles, decided once after placement: which servers are the Swarm managers (and which of
// them runs `docker swarm init`) and which take the public traffic. Everything after the plan reads them
// through roles_of(); nothing else decides them.
#include "model/estate.hpp"
#include "plan/plan.hpp"

namespace rehome::plan {

// Managers: every server declared `role: manager`, in estate order (the first runs `swarm init`), topped up
// to the estate's `managers:` count with the sturdiest of the others (not weak, most reliable, most memory
// first). Edge: the servers marked `edge: true`; when none is, the servers the plan gives an edge proxy.
Roles decide_roles(const Plan& plan, const model::Estate& estate);

// The plan's roles: those it carries (a plan.yaml a person reviewed), else decide_roles() now (a plan
// straight from the solver, a plan.yaml written before roles, a plan built in code).
Roles roles_of(const Plan& plan, const model::Estate& estate);

// A service that takes the public traffic: it publishes port 80 or 443, or it is a proxy on a public
// network. The edge servers run these.
bool is_edge_proxy(const model::Service& service, const model::Estate& estate);

}  // namespace rehome::plan
