#pragma once
#include <string>
#include <unordered_map>
#include <vector>

#include "resilience/cluster.hpp"

namespace rehome::resilience {

// Why a replica may not run on a server: the planner's hard rules, checked against what is left.
enum class Obstacle { none, lost, pinned, constraint, max_per_node, anti_affinity, memory, cpu };
std::string to_string(Obstacle o);
Obstacle obstacle_of_rule(std::string_view rule_name);  // "pin" -> pinned, "labels"/"edge" -> constraint ...

// The servers still up in one scenario, starting from the plan's loads; rescheduled replicas are added
// incrementally (the world is not re-planned). Cheap to build: a few vectors of one entry per server,
// plus copies of the planner's ServerLoad only for the servers that receive a replica.
class Survivors {
 public:
  Survivors(const Cluster& cluster, const std::vector<int>& lost);

  bool alive(int n) const { return alive_[n]; }
  int alive_managers() const { return alive_managers_; }
  model::Bytes memory_used(int n) const { return mem_[n]; }
  model::MilliCpu cpu_used(int n) const { return cpu_[n]; }
  model::Bytes free_memory(int n) const { return cluster_->memory_capacity(n) - mem_[n]; }
  model::MilliCpu free_cpu(int n) const { return cluster_->cpu_capacity(n) - cpu_[n]; }
  int tasks(int n) const { return tasks_[n]; }
  int count(int n, int s) const;  // replicas of service s on server n now
  const plan::ServerLoad& load(int n) const;

  // The first hard rule (static rules first) that keeps service s off server n, or none; `why` gets
  // the rule's reason in plain words.
  Obstacle check(int s, int n, std::string* why = nullptr) const;

  // Where Swarm's scheduler would put one more replica of s: among the servers passing every hard
  // rule, the one with the fewest replicas of s, then the fewest tasks (swarmkit's nodeLess). -1: none.
  int choose(int s) const;
  void place(int s, int n);

 private:
  const Cluster* cluster_;
  std::vector<bool> alive_;
  int alive_managers_ = 0;
  std::vector<model::Bytes> mem_;
  std::vector<model::MilliCpu> cpu_;
  std::vector<int> tasks_;
  std::unordered_map<long long, int> added_;         // server * services + service -> replicas placed
  std::unordered_map<int, plan::ServerLoad> loads_;  // servers that received a replica in this scenario
};

}  // namespace rehome::resilience
