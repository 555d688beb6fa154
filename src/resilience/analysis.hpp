#pragma once
#include <optional>
#include <string>
#include <vector>

#include "resilience/cluster.hpp"
#include "resilience/quorum.hpp"
#include "resilience/recovery_model.hpp"
#include "resilience/scenario.hpp"

namespace rehome::resilience {

// What happens to one replica that ran on a lost server.
enum class ReplicaFate { rescheduled, stranded };
enum class StrandReason { none, no_quorum, local_state, pinned, constraint, spread, no_room };
std::string to_string(StrandReason r);

struct ReplicaOutcome {
  std::string from;
  ReplicaFate fate = ReplicaFate::stranded;
  std::string to;        // rescheduled: the server Swarm picks
  RecoveryEstimate eta;  // rescheduled: how long until healthy there
  StrandReason reason = StrandReason::none;
  std::string why;             // stranded: plain words with the numbers
  std::string best_candidate;  // no_room: the survivor closest to fitting
  model::Bytes memory_short = 0;
  model::MilliCpu cpu_short = 0;
};

enum class ServiceState { recovered, degraded, down };
std::string to_string(ServiceState s);

// A service that had at least one replica on a lost server.
struct ServiceOutcome {
  std::string service;
  int desired = 0;
  int lost = 0;           // replicas that were on lost servers
  int healthy_after = 0;  // surviving + rescheduled
  ServiceState state = ServiceState::recovered;
  // Recovered after losing every replica: time until the first is healthy again. Zero when some
  // replica survived (it ran degraded instead). Down: no estimate (until the server returns).
  model::Millis downtime = 0;
  std::vector<ReplicaOutcome> replicas;
};

struct ServerPressure {
  std::string server;
  model::Bytes memory_capacity = 0, memory_before = 0, memory_after = 0, memory_short = 0;
  model::MilliCpu cpu_capacity = 0, cpu_before = 0, cpu_after = 0, cpu_short = 0;
  int rescheduled_here = 0;
};

// Up to this many servers a failure lists every survivor; above, only those that received replicas or
// fall short (the others are unchanged from the plan).
inline constexpr int kListAllSurvivorsUpTo = 64;

struct FailureResult {
  Scenario scenario;
  QuorumVerdict quorum;
  bool manager_lost = false;
  int managers_lost = 0;
  std::vector<ServiceOutcome> services;   // affected services, estate order
  std::vector<ServerPressure> survivors;  // surviving servers (see kListAllSurvivorsUpTo)
  model::Bytes memory_to_move = 0;        // reservations of the replicas on the lost servers
  model::Bytes memory_free_before = 0;    // free (schedulable) memory on the survivors beforehand
  int rescheduled = 0, stranded = 0;
  model::Millis longest_downtime = 0;  // among services that lost every replica and recovered
  model::Millis slowest_recovery = 0;  // among all rescheduled replicas (expected)

  int count(ServiceState s) const;
  bool automatic() const { return quorum.has_quorum && stranded == 0; }
  bool nothing_down() const { return count(ServiceState::down) == 0; }
};

struct PartitionResult {
  Scenario scenario;
  QuorumVerdict side_a, side_b;
  int quorum_side = -1;                   // 0 = side a, 1 = side b, -1 = neither
  std::vector<std::string> edge_servers;  // where public traffic lands
  int edge_side = -1;                     // 0, 1, or -1 (edge on both sides, or none)
  // The quorum side sees the other side as down and reschedules what it can; empty without quorum.
  std::optional<FailureResult> quorum_view;
  std::vector<std::string> frozen;                 // running without quorum: not replaced if they fail
  std::vector<std::string> two_writers;            // stateful on shared storage, started again on the quorum
                                                   // side while the old copy still runs on the other
  std::vector<std::string> unreachable_from_edge;  // no replica on the edge's side
  bool nothing_down() const;
};

FailureResult analyse_failure(const Cluster& cluster, const Scenario& scenario, const RecoveryModel& model);
PartitionResult analyse_partition(const Cluster& cluster, const Scenario& scenario,
                                  const RecoveryModel& model);

// The local (not shared, writable) volume that ties a service to its server, for messages.
std::string local_volume_of(const model::Service& svc);

// Servers that take public traffic: the plan's edge servers (plan::roles_of), in estate order.
std::vector<int> edge_servers(const Cluster& cluster);

}  // namespace rehome::resilience
