#pragma once
// A four-server estate shaped like the seeds' (three managers, one weak worker), built in code so the
// tests say exactly what they rely on.
#include <string>
#include <vector>

#include "model/estate.hpp"
#include "plan/plan.hpp"

namespace rehome::resilience::test {

inline model::Server server(std::string name, model::Bytes memory, int threads, model::SwarmRole role) {
  model::Server s;
  s.name = std::move(name);
  s.memory = memory;
  s.cpu_threads = threads;
  s.role = role;
  return s;
}

inline model::Service service(std::string name, model::Bytes memory, int replicas = 1) {
  model::Service s;
  s.name = std::move(name);
  s.image = "example/" + s.name + ":1";
  s.resources.memory_reservation = memory;
  s.resources.cpu_reservation = 100;
  s.replicas = replicas;
  return s;
}

// gmktec 28G / hppavilion 31G / wsasus 11G managers, hpr 6G worker (weak).
inline model::Estate four_servers() {
  using model::GiB;
  using model::SwarmRole;
  model::Estate e;
  e.name = "small";
  e.servers = {server("gmktec", 28 * GiB, 16, SwarmRole::manager),
               server("hppavilion", 31 * GiB, 8, SwarmRole::manager),
               server("wsasus", 11 * GiB, 4, SwarmRole::manager),
               server("hpr", 6 * GiB, 8, SwarmRole::worker)};
  e.servers[3].hints.weak = true;
  e.servers[3].hints.reliability = model::Reliability::low;
  e.servers[1].hints.reliability = model::Reliability::high;
  return e;
}

inline void place(plan::Plan& p, const std::string& service, const std::vector<std::string>& servers) {
  int i = 0;
  for (const auto& s : servers) p.assignments.push_back({service, i++, s});
}

}  // namespace rehome::resilience::test
