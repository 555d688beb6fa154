#pragma once
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/estate.hpp"
#include "plan/feasibility.hpp"
#include "plan/placement_policy.hpp"
#include "plan/plan.hpp"

namespace rehome::resilience {

// The estate and its plan indexed once (servers and services by number), so that every failure
// scenario starts from these loads and only re-places what the lost servers ran. Read-only after
// construction; scenarios keep their changes in a Survivors overlay. The hard rules are the planner's
// own (plan/feasibility.hpp), ordered so the most fundamental refusal is found first.
// Where the replicas may go once their server is lost:
// - `decided`: the plan's placement policy (plan::decide_placements), the one the generated stacks
//   enforce: pinned only with local state or an explicit pin, stateless services on every allowed server.
// - `as_deployed`: the estate's placement fields already say what the engine enforces (the drill writes
//   the constraints Swarm reports onto the estate); nothing is added to them.
enum class PlacementSource { decided, as_deployed };

class Cluster {
 public:
  // `failover_headroom`: share of each server's memory and CPU that rescheduling must leave free.
  // Swarm itself fills a node up to its reservations, so the default is 0: the plan's headroom is
  // precisely the reserve that failover spends. UserError when the plan names an unknown server or
  // service, in its assignments or roles (with the plan's file:line when it came from a file).
  Cluster(const model::Estate& estate, const plan::Plan& plan, double failover_headroom = 0.0,
          PlacementSource placement = PlacementSource::decided);

  const model::Estate& estate() const { return *estate_; }
  int server_count() const { return static_cast<int>(estate_->servers.size()); }
  int service_count() const { return static_cast<int>(estate_->services.size()); }
  const model::Server& server(int n) const { return estate_->servers[n]; }
  const model::Service& service(int s) const { return estate_->services[s]; }
  int server_id(const std::string& name) const;  // -1 when unknown
  int service_id(const std::string& name) const;

  // The planner's rules and context (headroom = the failover headroom) and each server's plan load.
  const plan::FeasibilityRules& rules() const { return rules_; }
  const plan::PlacementContext& context() const { return *context_; }
  const plan::ServerLoad& load(int n) const { return loads_[n]; }

  // The plan's roles (plan::roles_of): the Swarm managers and the servers that take public traffic.
  bool is_manager(int n) const { return manager_[n]; }
  int manager_count() const { return managers_; }
  bool is_edge(int n) const { return edge_[n]; }

  // Capacity the scheduler may fill (memory and CPU minus the failover headroom).
  model::Bytes memory_capacity(int n) const { return mem_cap_[n]; }
  model::MilliCpu cpu_capacity(int n) const { return cpu_cap_[n]; }

  // Loads of the plan as it stands (reservations of every replica, global ones included).
  model::Bytes memory_used(int n) const { return mem_used_[n]; }
  model::MilliCpu cpu_used(int n) const { return cpu_used_[n]; }
  int tasks(int n) const { return tasks_[n]; }
  int replicas_on(int n, int s) const;  // replicas of service s on server n in the plan

  // Non-global replicas (service, server) of the plan, grouped by server, and the servers of a service.
  const std::vector<int>& replicas_on_server(int n) const { return on_server_[n]; }  // service ids
  const std::vector<int>& servers_of(int s) const { return servers_of_[s]; }         // one per replica
  const std::vector<int>& global_servers(int s) const { return global_on_[s]; }
  bool image_on(int n, int s) const;  // server n already holds service s's image
  const std::vector<int>& anti_affine(int s) const { return anti_[s]; }              // both directions
  const std::vector<int>& replicas_of(int s) const { return replica_services_[s]; }  // data.replica_of == s

  // The placement policy (PlacementSource::decided; as_deployed: none, the rules read the estate):
  // may service s run on server n, why it is pinned (empty: it is not) and the replicas-per-node cap.
  bool allowed(int s, int n) const { return allowed_[s].empty() || allowed_[s][n]; }
  const plan::PlacementDecision* decision(int s) const {
    return decisions_ ? &decisions_->decisions()[s] : nullptr;
  }
  int max_per_node(int s) const { return decisions_ ? decisions_->decisions()[s].max_replicas_per_node : 0; }

 private:
  const model::Estate* estate_;
  std::unique_ptr<plan::PlacementContext> context_;
  plan::FeasibilityRules rules_;
  std::vector<plan::ServerLoad> loads_;
  std::unordered_map<std::string, int> server_ids_, service_ids_;
  int managers_ = 0;
  std::vector<bool> manager_, edge_;
  std::vector<model::Bytes> mem_cap_, mem_used_;
  std::vector<model::MilliCpu> cpu_cap_, cpu_used_;
  std::vector<int> tasks_;
  std::vector<std::vector<int>> on_server_, servers_of_, global_on_, anti_, replica_services_;
  std::vector<std::unordered_map<int, int>> count_;   // server -> service -> replicas
  std::vector<int> image_of_;                         // service -> image id
  std::optional<plan::Placements> decisions_;         // PlacementSource::decided
  std::vector<std::vector<bool>> allowed_;            // service -> server (empty: every server)
  std::vector<std::unordered_map<int, int>> images_;  // server -> image id -> replicas using it
};

}  // namespace rehome::resilience
