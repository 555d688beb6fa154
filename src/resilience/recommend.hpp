#pragma once
#include <string>
#include <vector>

#include "resilience/analysis.hpp"

namespace rehome::resilience {

struct Recommendation {
  std::string topic;    // "managers", "stateful", "pinned", "capacity", "constraint", "spread"
  std::string subject;  // the service or server it is about ("" for cluster-wide)
  std::string text;     // the change, in plain words with the numbers
};

// Number and placement of Swarm managers: odd, at least 3 from 3 servers (5 from 7), on the most
// reliable servers rather than the weak or flaky ones.
std::vector<Recommendation> recommend_managers(const Cluster& cluster);

// The cheapest change that removes each stranded service, once per service and reason, from the
// scenarios analysed: a streaming replica or shared storage for local state, a wider pin, a label, or
// the memory to free on the closest server.
std::vector<Recommendation> recommend_for_stranded(const Cluster& cluster,
                                                   const std::vector<FailureResult>& failures);

// Servers ranked for the manager role: reliability, not weak, uptime, memory.
std::vector<int> manager_candidates(const Cluster& cluster);

}  // namespace rehome::resilience
