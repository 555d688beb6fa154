#pragma once
// Where each service may run once deployed, decided once from the estate and the plan: which services
// are pinned to their node(s) and which the engine may reschedule, and onto which servers. The
// generated stacks express it (generate/topology.hpp), and the failover simulation and its recovery
// model read it (resilience/cluster.hpp): one decision, so the prediction and the stacks cannot differ.
//
// - A service is pinned only when it holds local state (model::Service::has_local_state(): a writable
//   local volume or bind data, a database whose data lives on that node): pinned to the plan's servers
//   for it. Swarm must never start it elsewhere: it would start with an EMPTY volume.
// - An explicit `placement.pin` in the estate is kept: the service may run on the servers it names.
// - Every other (stateless) service may run on every server the plan's rules allow it (pins, labels,
//   the edge role), so Swarm reschedules it onto a surviving one when its node dies. The plan's server
//   is where the capacity plan counted it; Swarm may start it on another allowed server.
// - Global services run on the plan's servers for them (every server when the plan omits them).
#include <map>
#include <string>
#include <vector>

#include "model/estate.hpp"
#include "plan/plan.hpp"

namespace rehome::plan {

enum class PinReason { none, local_state, explicit_pin };
std::string to_string(PinReason r);  // "", "local state", "placement.pin"

struct PlacementDecision {
  std::string service;
  bool global = false;
  PinReason pin = PinReason::none;
  std::string why;                        // plain words: why it is pinned, or where it may move
  std::vector<std::string> servers;       // distinct servers of its replicas in the plan, plan order
  std::map<std::string, int> per_server;  // replicas the plan puts on each server
  bool anywhere = false;                  // it may run on every server of the estate (`allowed` empty)
  std::vector<std::string> allowed;       // else the servers it may run on, estate order (the plan's too)
  std::string hostname;                   // set: `node.hostname == hostname` (one node, pinned)
  std::string label;                      // set: `node.labels.<label> == true` on every allowed server
  int max_replicas_per_node = 0;          // 0 = unlimited
  bool pinned() const { return pin != PinReason::none; }
  bool allows(const std::string& server) const;
  // The allowed servers spelled out (every server of the estate when `anywhere`).
  std::vector<std::string> allowed_in(const model::Estate& estate) const;
};

class Placements {
 public:
  const std::vector<PlacementDecision>& decisions() const { return decisions_; }  // estate order
  const PlacementDecision& of(const std::string& service) const;  // std::out_of_range when unknown
  const PlacementDecision* find(const std::string& service) const;

 private:
  friend Placements decide_placements(const model::Estate& estate, const Plan& plan);
  std::vector<PlacementDecision> decisions_;
  std::map<std::string, size_t> index_;
};

// Assignments naming services or servers the estate lacks are skipped (the readers report them).
Placements decide_placements(const model::Estate& estate, const Plan& plan);

// A name safe in Swarm labels, DNS and file names: lower case, [a-z0-9-].
std::string slug(const std::string& name);

}  // namespace rehome::plan
