#pragma once
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "plan/placement_state.hpp"
#include "plan/scorers.hpp"

namespace rehome::plan::solver {

// The pieces the solver chains (see src/plan/README.md) share this: the plan being built.

using ServerId = std::uint32_t;

// One replica to place: its service's index in estate.services and its index among the replicas.
struct Replica {
  size_t service;
  int index;
};

// Per-service facts every piece reuses for each of its replicas, asked once.
struct ServiceFacts {
  const model::Service* svc = nullptr;
  bool confined = false;               // a rule confines it to `eligible` (FeasibilityRule::confines)
  std::vector<ServerId> eligible;      // then: the only servers that may take it
  std::vector<const Scorer*> scorers;  // the scorers that apply to it
};

// The placement so far: the loads and rules (PlacementState), each service's servers, and the servers
// ranked by free memory and free CPU (after headroom) for candidate selection.
class Draft {
 public:
  Draft(const model::Estate& estate, double headroom, const Scorers& scorers);

  const model::Estate& estate() const { return estate_; }
  const PlacementContext& ctx() const { return state_.context(); }
  const PlacementState& state() const { return state_; }
  // For the searches that add and remove replicas and leave the state as they found it (pack.hpp,
  // pack_exact.hpp): the indexes stay true.
  PlacementState& state_for_search() { return state_; }
  const model::Server& server(ServerId s) const { return estate_.servers[s]; }
  ServerId servers() const { return static_cast<ServerId>(estate_.servers.size()); }
  const std::vector<ServiceFacts>& facts() const { return facts_; }
  const ServiceFacts& facts(size_t service) const { return facts_[service]; }
  const std::vector<ServerId>& placed(size_t service) const { return placed_[service]; }

  // `reindex_now` false leaves the free-capacity indexes as they were: the improvement pass takes a
  // replica out and mostly puts it back on the same server, and then the indexes need no update at all.
  void place(size_t service, ServerId s, bool reindex_now = true);
  void unplace(size_t service, ServerId s, bool reindex_now = true);
  // Moves server s to its current free memory and CPU in the indexes (no-op when unchanged).
  void reindex(ServerId s);

  using MemoryIndex = std::set<std::pair<model::Bytes, ServerId>>;
  using CpuIndex = std::set<std::pair<model::MilliCpu, ServerId>>;
  const MemoryIndex& by_free_memory() const { return free_memory_; }
  // Asked only when no memory-rich server fits, so it is brought up to date lazily.
  const CpuIndex& by_free_cpu();

  // The placement as a plan, with the scorers' verdicts and score.
  Plan to_plan(const Scorers& scorers) const;

 private:
  const model::Estate& estate_;
  PlacementState state_;
  std::vector<ServiceFacts> facts_;
  std::vector<std::vector<ServerId>> placed_;  // service index -> server of each placed replica
  MemoryIndex free_memory_;
  CpuIndex free_cpu_;
  // Each server's node in the two indexes: erasing by iterator skips a search on every move.
  std::vector<MemoryIndex::iterator> memory_pos_;
  std::vector<CpuIndex::iterator> cpu_pos_;
  std::vector<ServerId> cpu_stale_;
  std::vector<bool> cpu_is_stale_;
};

}  // namespace rehome::plan::solver
