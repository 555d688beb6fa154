#pragma once
// A three-server estate built in code, with its plan, for the generator tests.
#include "model/estate.hpp"
#include "plan/plan.hpp"

namespace rehome::generate::test {

inline model::Service service(const std::string& name, const std::string& stack, int replicas,
                              model::Category category = model::Category::app) {
  model::Service s;
  s.name = name;
  s.image = "example/" + name + ":1";
  s.stack = stack;
  s.replicas = replicas;
  s.category = category;
  s.resources.memory_reservation = 256 * model::MiB;
  s.resources.memory_limit = 512 * model::MiB;
  s.resources.cpu_reservation = 250;
  s.resources.cpu_limit = 1500;
  return s;
}

inline model::Estate small_estate() {
  model::Estate e;
  e.name = "acme";
  auto server = [](const std::string& name, const std::string& address, model::SwarmRole role) {
    model::Server s;
    s.name = name;
    s.address = address;
    s.memory = 8 * model::GiB;
    s.cpu_threads = 4;
    s.role = role;
    return s;
  };
  e.servers = {server("alpha", "10.0.0.1", model::SwarmRole::manager),
               server("beta", "10.0.0.2", model::SwarmRole::worker),
               server("gamma", "10.0.0.3", model::SwarmRole::worker)};
  e.servers[0].hints.edge = true;
  e.servers[1].hints.reliability = model::Reliability::high;
  e.servers[2].hints.weak = true;

  auto proxy = service("proxy", "edge", 1, model::Category::proxy);
  proxy.ports = {{80, 80, "tcp", "ingress"}, {443, 443, "tcp", "ingress"}};
  proxy.networks = {"public", "backend"};
  proxy.cap_add = {"NET_BIND_SERVICE"};

  auto web = service("web", "production", 3);
  web.networks = {"backend", "database"};
  web.secrets = {"db_password"};
  web.read_only_root = true;
  web.healthcheck =
      model::HealthCheck{{"CMD", "/probe", "--check", "http://127.0.0.1:8080/health"}, 5000, 3000, 2000, 3};
  web.ports = {{0, 8080, "tcp", "ingress"}};
  web.metrics = {{"port", "8080"}, {"path", "/metrics"}};

  auto db = service("db", "databases", 1, model::Category::database);
  db.stateful = true;
  db.networks = {"database"};
  db.secrets = {"db_password"};
  db.volumes = {{"db-data", "/var/lib/postgresql/data", false, false, false}};
  db.data = model::DataSpec{"postgres", {"app"}, 3 * model::GiB, std::nullopt};
  db.healthcheck = model::HealthCheck{{"CMD-SHELL", "pg_isready -U app"}, 10000, 5000, 30000, 5};

  auto exporter = service("node-exporter", "monitoring", 1, model::Category::monitoring);
  exporter.global = true;
  exporter.metrics = {{"port", "9100"}};

  e.services = {proxy, web, db, exporter};
  model::Network pub, backend, database;
  pub.name = "public";
  pub.public_ = true;
  backend.name = "backend";
  database.name = "database";
  e.networks = {pub, backend, database};
  e.managers = 3;
  return e;
}

inline plan::Plan small_plan() {
  plan::Plan p;
  p.estate_name = "acme";
  p.assignments = {
      {"proxy", 0, "alpha"}, {"web", 0, "alpha"}, {"web", 1, "beta"}, {"web", 2, "beta"}, {"db", 0, "beta"}};
  return p;
}

}  // namespace rehome::generate::test
