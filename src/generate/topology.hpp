#pragma once
// The decisions every generated file shares, made once from the estate and the plan: which stack a
// service belongs to, how its placement is expressed to Swarm, which node labels and networks the
// bootstrap creates. Which servers are managers and which take public traffic are the plan's roles
// (plan/roles.hpp), read here. The writers (stacks, bootstrap, firewall, monitoring, k8s) only format
// these; none of them re-decides placement or roles.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "model/estate.hpp"
#include "plan/placement_policy.hpp"
#include "plan/plan.hpp"

namespace rehome::generate {

struct NetworkSpec {
  std::string name;
  bool encrypted = false;  // IPsec between nodes (backend, database, monitoring, or declared)
  bool internal = false;   // no route out (database, or declared)
  bool public_ = false;    // the edge network: only the edge proxy joins it
  bool attachable = true;  // so `docker run --network` can reach it for debugging and migrations
};

// A service's placement decision (plan::decide_placements), spelled for Swarm.
struct ServicePlacement {
  std::vector<std::string> servers;       // distinct servers of its replicas, plan order
  std::map<std::string, int> per_server;  // replicas on each server
  std::vector<std::string> allowed;       // servers it may run on (estate order): the plan's policy
  plan::PinReason pin = plan::PinReason::none;
  std::string why;                       // the policy's reason, for comments and docs
  std::vector<std::string> constraints;  // Swarm placement constraints
  int max_replicas_per_node = 0;         // 0 = unlimited
  std::string label;                     // node label the bootstrap sets on the allowed servers ("" = none)
};

struct PublishedPort {
  std::string service;
  int port = 0;
  std::string protocol = "tcp";
};

class Topology {
 public:
  // Throws UserError when the plan names a service or server the estate lacks (in its assignments or
  // roles), or gives a replicated service a replica count different from the estate's.
  Topology(const model::Estate& estate, const plan::Plan& plan);

  const model::Estate& estate() const { return *estate_; }
  const plan::Plan& plan() const { return *plan_; }

  // Stacks in name order, each with its services in estate order.
  const std::map<std::string, std::vector<const model::Service*>>& stacks() const { return stacks_; }
  const std::string& stack_of(const std::string& service) const;
  const ServicePlacement& placement(const std::string& service) const;

  // Networks the services use (declared or not), name order, with the security policy applied.
  const std::vector<NetworkSpec>& networks() const { return networks_; }
  const NetworkSpec* network(const std::string& name) const;
  std::vector<std::string> networks_of(const model::Service& service) const;

  // Secret names any service uses (sorted).
  const std::set<std::string>& secrets() const { return secrets_; }

  // Node labels per server: the estate's own plus rehome.<service>=true on every server a service may
  // run on (the plan's placement policy).
  const std::map<std::string, std::map<std::string, std::string>>& node_labels() const {
    return node_labels_;
  }

  // The plan's managers in join order (the first runs `swarm init`), then the workers in estate order.
  const std::vector<const model::Server*>& managers() const { return managers_; }
  const std::vector<const model::Server*>& workers() const { return workers_; }
  bool is_manager(const std::string& server) const;

  // The plan's edge servers (they take public traffic, 80/443), and the edge proxy services.
  const std::vector<std::string>& edge_servers() const { return edge_servers_; }
  bool is_edge_proxy(const model::Service& service) const;

  // Ports published on a server's address: the replicas the plan puts there (global services on
  // every server), sorted by port.
  std::vector<PublishedPort> published_on(const std::string& server) const;

 private:
  void place_services();
  void take_roles();
  void collect_networks();

  const model::Estate* estate_;
  const plan::Plan* plan_;
  std::map<std::string, std::vector<const model::Service*>> stacks_;
  std::map<std::string, std::string> stack_of_;
  std::map<std::string, ServicePlacement> placements_;
  std::vector<NetworkSpec> networks_;
  std::set<std::string> secrets_;
  std::map<std::string, std::map<std::string, std::string>> node_labels_;
  std::vector<const model::Server*> managers_, workers_;
  std::vector<std::string> edge_servers_;
  std::set<std::string> edge_proxies_;
};

// The stack a service goes to when the estate names none: databases, monitoring, backups, staging,
// dev or production, from its category and tier.
std::string default_stack(const model::Service& service);

// A name safe in Swarm labels, DNS and file names (the plan's, so labels are spelled once).
using plan::slug;

}  // namespace rehome::generate
