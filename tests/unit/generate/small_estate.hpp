#pragma once
// A three-server estate built in code, with its plan, for the generator tests.
#include "support/estate_builder.hpp"

namespace rehome::generate::test {

using rehome::test::server;
using rehome::test::service;

// 256 MB reserved (512 MB limit), 0.25 CPU (1.5 limit), in `stack`.
inline model::Service in_stack(model::Service s, const std::string& stack) {
  s.stack = stack;
  s.resources.memory_limit = 512 * model::MiB;
  s.resources.cpu_reservation = 250;
  s.resources.cpu_limit = 1500;
  return s;
}

inline model::Estate small_estate() {
  auto e = rehome::test::estate("acme",
                                {server("alpha", 8 * model::GiB, 4, model::SwarmRole::manager),
                                 server("beta", 8 * model::GiB), server("gamma", 8 * model::GiB)},
                                {});
  for (size_t i = 0; i < e.servers.size(); ++i) e.servers[i].address = "10.0.0." + std::to_string(i + 1);
  e.servers[0].hints.edge = true;
  e.servers[1].hints.reliability = model::Reliability::high;
  e.servers[2].hints.weak = true;

  auto proxy = in_stack(service("proxy", 256 * model::MiB, 1, model::Category::proxy), "edge");
  proxy.ports = {{80, 80, "tcp", "ingress"}, {443, 443, "tcp", "ingress"}};
  proxy.networks = {"public", "backend"};
  proxy.cap_add = {"NET_BIND_SERVICE"};

  auto web = in_stack(service("web", 256 * model::MiB, 3), "production");
  web.networks = {"backend", "database"};
  web.secrets = {"db_password"};
  web.read_only_root = true;
  web.healthcheck =
      model::HealthCheck{{"CMD", "/probe", "--check", "http://127.0.0.1:8080/health"}, 5000, 3000, 2000, 3};
  web.ports = {{0, 8080, "tcp", "ingress"}};
  web.metrics = {{"port", "8080"}, {"path", "/metrics"}};

  auto db = in_stack(service("db", 256 * model::MiB, 1, model::Category::database), "databases");
  db.stateful = true;
  db.networks = {"database"};
  db.secrets = {"db_password"};
  db.volumes = {{"db-data", "/var/lib/postgresql/data", false, false, false}};
  db.data = model::DataSpec{"postgres", {"app"}, 3 * model::GiB, std::nullopt};
  db.healthcheck = model::HealthCheck{{"CMD-SHELL", "pg_isready -U app"}, 10000, 5000, 30000, 5};

  auto exporter =
      in_stack(service("node-exporter", 256 * model::MiB, 1, model::Category::monitoring), "monitoring");
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
