#pragma once
#include "model/estate.hpp"
#include "plan/plan.hpp"

namespace rehome::runbook::test {

// A small estate built in code: old host `old`, database server `db`, app server `app`.
inline model::Estate small_estate() {
  model::Estate e;
  e.name = "shop";
  e.servers = {{.name = "old", .address = "10.0.0.84", .memory = 32 * model::GiB, .cpu_threads = 16},
               {.name = "db",
                .address = "10.0.0.80",
                .memory = 32 * model::GiB,
                .cpu_threads = 8,
                .labels = {{"role", "data"}},
                .role = model::SwarmRole::manager},
               {.name = "app", .address = "10.0.0.81", .memory = 16 * model::GiB, .cpu_threads = 8}};
  model::Service pg{.name = "shop-postgres",
                    .image = "postgres:15",
                    .stack = "databases",
                    .category = model::Category::database};
  pg.ports = {{.published = 5435, .target = 5432}};
  pg.data = model::DataSpec{.engine = "postgres", .databases = {"shop", "audit"}};
  model::Service redis{
      .name = "shop-redis", .image = "redis:7", .stack = "databases", .category = model::Category::cache};
  redis.data = model::DataSpec{.engine = "redis"};
  model::Service eureka{.name = "ws-discovery", .image = "eureka:1", .stack = "production"};
  model::Service api{.name = "shop-api", .image = "api:1", .stack = "production"};
  api.depends_on = {"shop-postgres", "ws-discovery", "shop-redis"};
  model::Service web{.name = "shop-web", .image = "web:1", .stack = "frontend"};
  web.depends_on = {"shop-api"};
  model::Service prom{.name = "prometheus",
                      .image = "prom/prometheus",
                      .stack = "monitoring",
                      .category = model::Category::monitoring};
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
