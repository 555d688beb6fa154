#pragma once
#include <string>
#include <vector>

#include "model/estate.hpp"

namespace rehome::resilience {

// What goes wrong: some servers stop (power, disk, kernel panic), or the network splits in two.
struct Scenario {
  enum class Kind { failure, partition };
  Kind kind = Kind::failure;
  std::vector<std::string> lost;            // failure: the servers that are down
  std::vector<std::string> side_a, side_b;  // partition: who still talks to whom

  std::string name() const;  // "hpr down", "gmktec + hppavilion down", "gmktec,hppavilion | wsasus,hpr"
};

// Every single server failure (depth 1), then with depth 2 every pair too, in estate order.
std::vector<Scenario> failure_scenarios(const model::Estate& estate, int depth);

// A failure of the named servers (validated against the estate; UserError names the unknown one).
Scenario failure_of(const model::Estate& estate, const std::vector<std::string>& servers);

// "a,b|c,d" -> a partition; every server appears at most once, and "a,b" alone (or "a,b|") means
// "a,b | everyone else"; servers left out of a two-sided spec join side b. UserError names the
// problem (unknown server, listed twice, empty side).
Scenario parse_partition(const model::Estate& estate, const std::string& spec);

// Every split of the servers into two non-empty sides, each split once (2^(n-1) - 1 of them).
// UserError beyond `max_servers` servers (the count doubles with every server).
std::vector<Scenario> all_partitions(const model::Estate& estate, int max_servers = 16);

}  // namespace rehome::resilience
