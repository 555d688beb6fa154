#pragma once
// Random estates for the planner's benchmarks: heterogeneous servers (8-64 GB, 4-32 threads) and
// services of 1-5 replicas (128 MB - 2 GB in whole MB, 0.1-1 CPU), about 10 replicas per server and
// ~40 % of the memory and CPU asked for, so packing can save servers and spreading has room. Fixed seed.
#include <random>
#include <string>

#include "model/estate.hpp"

namespace rehome::bench {

inline model::Estate random_estate(int servers, int replicas, unsigned seed) {
  std::mt19937 rng(seed);
  model::Estate e;
  e.name = "random";
  const int gib[] = {8, 16, 32, 64};
  const int threads[] = {4, 8, 16, 32};
  std::uniform_int_distribution<int> pick(0, 3), pct(0, 99), reps(1, 5), mib(128, 2048), cpu(1, 10);
  for (int i = 0; i < servers; ++i) {
    model::Server s;
    s.name = "node" + std::to_string(i);
    s.address = "198.18.0." + std::to_string(i % 250 + 1);
    int k = pick(rng);
    s.memory = static_cast<model::Bytes>(gib[k]) * model::GiB;
    s.cpu_threads = threads[std::min(3, k + pct(rng) % 2)];
    e.servers.push_back(s);
  }
  int placed = 0;
  for (int i = 0; placed < replicas; ++i) {
    model::Service v;
    v.name = "svc" + std::to_string(i);
    v.replicas = std::min(reps(rng), replicas - placed);
    placed += v.replicas;
    v.resources.memory_reservation = static_cast<model::Bytes>(mib(rng)) * model::MiB;
    v.resources.cpu_reservation = 100 * cpu(rng);
    if (i > 0 && pct(rng) < 20) v.depends_on = {"svc" + std::to_string(pct(rng) * i / 100)};
    e.services.push_back(v);
  }
  return e;
}

}  // namespace rehome::bench
