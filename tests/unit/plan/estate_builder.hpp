#pragma once
// Estates built in code for the planner's tests: short helpers so each test states only what matters.
#include <string>

#include "model/estate.hpp"

namespace rehome::plan::test {

inline model::Server server(const std::string& name, double memory_gib, int threads = 4) {
  model::Server s;
  s.name = name;
  s.address = "198.18.0." + std::to_string(name.size());
  s.memory = static_cast<model::Bytes>(memory_gib * model::GiB);
  s.cpu_threads = threads;
  return s;
}

inline model::Service service(const std::string& name, double memory_gib,
                              model::Category category = model::Category::app, int replicas = 1) {
  model::Service s;
  s.name = name;
  s.category = category;
  s.replicas = replicas;
  s.resources.memory_reservation = static_cast<model::Bytes>(memory_gib * model::GiB);
  s.resources.cpu_reservation = 100;
  return s;
}

inline model::Estate estate(std::vector<model::Server> servers, std::vector<model::Service> services) {
  model::Estate e;
  e.name = "test";
  e.servers = std::move(servers);
  e.services = std::move(services);
  return e;
}

}  // namespace rehome::plan::test
