#pragma once
// Estates built in code for the unit tests: one builder, short, so each test states only what it relies
// on (set any other field on the result).
#include <string>
#include <vector>

#include "model/estate.hpp"
#include "plan/plan.hpp"

namespace rehome::test {

inline model::Bytes gib(double n) { return static_cast<model::Bytes>(n * static_cast<double>(model::GiB)); }

inline model::Server server(const std::string& name, model::Bytes memory, int threads = 4,
                            model::SwarmRole role = model::SwarmRole::worker) {
  model::Server s;
  s.name = name;
  s.memory = memory;
  s.cpu_threads = threads;
  s.role = role;
  return s;
}

// Image example/<name>:1, a reservation of `memory` and 0.1 CPU.
inline model::Service service(const std::string& name, model::Bytes memory, int replicas = 1,
                              model::Category category = model::Category::app) {
  model::Service s;
  s.name = name;
  s.image = "example/" + s.name + ":1";
  s.category = category;
  s.replicas = replicas;
  s.resources.memory_reservation = memory;
  s.resources.cpu_reservation = 100;
  return s;
}

inline model::Estate estate(std::string name, std::vector<model::Server> servers,
                            std::vector<model::Service> services) {
  model::Estate e;
  e.name = std::move(name);
  e.servers = std::move(servers);
  e.services = std::move(services);
  return e;
}

// The replicas of `service` on `servers`, one entry per replica.
inline void place(plan::Plan& p, const std::string& service, const std::vector<std::string>& servers) {
  int i = 0;
  for (const auto& s : servers) p.assignments.push_back({service, i++, s});
}

}  // namespace rehome::test
