#pragma once
#include "support/estate_builder.hpp"

namespace rehome::runbook::test {

// A small estate built in code: old host `old`, database server `db`, app server `app`.
inline model::Estate small_estate() {
  using rehome::test::server;
  using rehome::test::service;
  auto e = rehome::test::estate(
      "shop",
      {server("old", 32 * model::GiB, 16), server("db", 32 * model::GiB, 8, model::SwarmRole::manager),
       server("app", 16 * model::GiB, 8)},
      {});
  e.servers[0].address = "10.0.0.84";
  e.servers[1].address = "10.0.0.80";
  e.servers[1].labels = {{"role", "data"}};
  e.servers[2].address = "10.0.0.81";
  // No reservations: the runbook reads names, images, stacks and data, not sizes.
  auto sized_none = [](model::Service s, std::string image, std::string stack) {
    s.image = std::move(image);
    s.stack = std::move(stack);
    s.resources = {};
    return s;
  };
  auto pg = sized_none(service("shop-postgres", 0, 1, model::Category::database), "postgres:15", "databases");
  pg.ports = {{.published = 5435, .target = 5432}};
  pg.data = model::DataSpec{.engine = "postgres", .databases = {"shop", "audit"}};
  auto redis = sized_none(service("shop-redis", 0, 1, model::Category::cache), "redis:7", "databases");
  redis.data = model::DataSpec{.engine = "redis"};
  auto eureka = sized_none(service("ws-discovery", 0), "eureka:1", "production");
  auto api = sized_none(service("shop-api", 0), "api:1", "production");
  api.depends_on = {"shop-postgres", "ws-discovery", "shop-redis"};
  auto web = sized_none(service("shop-web", 0), "web:1", "frontend");
  web.depends_on = {"shop-api"};
  auto prom =
      sized_none(service("prometheus", 0, 1, model::Category::monitoring), "prom/prometheus", "monitoring");
  e.services = {pg, redis, web, api, eureka, prom};
  e.networks = {{.name = "backend", .encrypted = true, .internal = true}};
  return e;
}

inline plan::Plan small_plan() {
  plan::Plan p;
  p.estate_name = "shop";
  p.assignments = {{"shop-postgres", 0, "db"}, {"shop-redis", 0, "db"},    {"shop-web", 0, "app"},
                   {"shop-api", 0, "app"},     {"ws-discovery", 0, "app"}, {"prometheus", 0, "db"}};
  return p;
}

}  // namespace rehome::runbook::test
