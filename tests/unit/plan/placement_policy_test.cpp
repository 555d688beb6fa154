// The placement policy (plan/placement_policy.hpp): pinned only with local state or an explicit pin;
// stateless services may run on every server the plan's rules allow.
#include "plan/placement_policy.hpp"

#include <gtest/gtest.h>

#include "support/estate_builder.hpp"

namespace rehome::plan {
namespace {

using model::GiB;
using Servers = std::vector<std::string>;

struct Fixture {
  model::Estate estate = test::estate(
      "policy",
      {test::server("alpha", 8 * GiB), test::server("beta", 8 * GiB), test::server("gamma", 8 * GiB)}, {});
  Plan plan;
  Fixture() {
    auto app = test::service("app", GiB);
    auto db = test::service("db", 2 * GiB, 1, model::Category::database);
    db.stateful = true;
    db.volumes.push_back({.name = "db-data", .target = "/var/lib/postgresql/data"});
    db.data = model::DataSpec{.engine = "postgres"};
    auto web = test::service("web", GiB, 3);
    auto exporter = test::service("node-exporter", 64 * model::MiB, 1, model::Category::monitoring);
    exporter.global = true;
    estate.services = {app, db, web, exporter};
    test::place(plan, "app", {"beta"});
    test::place(plan, "db", {"beta"});
    test::place(plan, "web", {"alpha", "beta", "beta"});
  }
};

TEST(PlacementPolicy, StatelessSingleReplicaIsNotPinnedAndMayRunOnEveryAllowedServer) {
  Fixture f;
  const auto d = decide_placements(f.estate, f.plan).of("app");
  EXPECT_FALSE(d.pinned());
  EXPECT_EQ(d.servers, Servers{"beta"});  // where the plan counted it
  EXPECT_TRUE(d.anywhere);
  EXPECT_EQ(d.allowed_in(f.estate), (Servers{"alpha", "beta", "gamma"}));
  EXPECT_TRUE(d.hostname.empty());
  EXPECT_EQ(d.label, "rehome.app");
  EXPECT_EQ(d.max_replicas_per_node, 0);
  EXPECT_NE(d.why.find("stateless"), std::string::npos) << d.why;
}

TEST(PlacementPolicy, StatelessServiceIsConfinedToTheServersItsNodeLabelsAllow) {
  Fixture f;
  f.estate.servers[0].labels["disk"] = "ssd";
  f.estate.servers[1].labels["disk"] = "ssd";
  f.estate.services[0].placement.labels["disk"] = "ssd";
  const auto d = decide_placements(f.estate, f.plan).of("app");
  EXPECT_FALSE(d.pinned());
  EXPECT_FALSE(d.anywhere);
  EXPECT_EQ(d.allowed, (Servers{"alpha", "beta"}));
  EXPECT_FALSE(d.allows("gamma"));
}

TEST(PlacementPolicy, ServiceWithLocalStateIsPinnedToItsPlanNode) {
  Fixture f;
  const auto d = decide_placements(f.estate, f.plan).of("db");
  EXPECT_EQ(d.pin, PinReason::local_state);
  EXPECT_EQ(d.allowed, Servers{"beta"});
  EXPECT_EQ(d.hostname, "beta");
  EXPECT_TRUE(d.label.empty());
  EXPECT_FALSE(d.allows("alpha"));
  EXPECT_NE(d.why.find("local volume db-data"), std::string::npos) << d.why;
}

TEST(PlacementPolicy, DatabaseOnSharedStorageMayMove) {
  Fixture f;
  f.estate.services[1].volumes[0].shared = true;
  const auto d = decide_placements(f.estate, f.plan).of("db");
  EXPECT_FALSE(d.pinned());
  EXPECT_TRUE(d.anywhere);
}

TEST(PlacementPolicy, ExplicitPinIsKeptAsWritten) {
  Fixture f;
  f.estate.services[0].placement.pin = {"beta"};
  auto d = decide_placements(f.estate, f.plan).of("app");
  EXPECT_EQ(d.pin, PinReason::explicit_pin);
  EXPECT_EQ(d.hostname, "beta");
  EXPECT_EQ(d.allowed, Servers{"beta"});

  f.estate.services[0].placement.pin = {"beta", "gamma"};  // two servers: a label on both
  d = decide_placements(f.estate, f.plan).of("app");
  EXPECT_EQ(d.pin, PinReason::explicit_pin);
  EXPECT_TRUE(d.hostname.empty());
  EXPECT_EQ(d.label, "rehome.app");
  EXPECT_EQ(d.allowed, (Servers{"beta", "gamma"}));
}

TEST(PlacementPolicy, GlobalServiceRunsOnEveryServerOrOnThePlansOnes) {
  Fixture f;
  auto d = decide_placements(f.estate, f.plan).of("node-exporter");
  EXPECT_TRUE(d.global);
  EXPECT_TRUE(d.anywhere);
  EXPECT_TRUE(d.label.empty());
  EXPECT_EQ(d.servers.size(), 3u);

  test::place(f.plan, "node-exporter", {"alpha", "gamma"});
  d = decide_placements(f.estate, f.plan).of("node-exporter");
  EXPECT_FALSE(d.anywhere);
  EXPECT_EQ(d.allowed, (Servers{"alpha", "gamma"}));
  EXPECT_EQ(d.label, "rehome.node-exporter");
  EXPECT_EQ(d.per_server.at("gamma"), 1);
}

TEST(PlacementPolicy, StatelessReplicasGetALabelOnEveryAllowedServerAndThePlansCap) {
  Fixture f;
  const auto d = decide_placements(f.estate, f.plan).of("web");
  EXPECT_FALSE(d.pinned());
  EXPECT_EQ(d.servers, (Servers{"alpha", "beta"}));
  EXPECT_EQ(d.label, "rehome.web");
  EXPECT_TRUE(d.anywhere);                // gamma too: a replica lost with alpha may go there
  EXPECT_EQ(d.max_replicas_per_node, 2);  // never more on one node than the plan puts on beta
}

TEST(PlacementPolicy, StatefulReplicasArePinnedToTheirPlanServers) {
  Fixture f;
  f.estate.services[2].volumes.push_back({.name = "uploads", .target = "/srv/uploads"});
  const auto d = decide_placements(f.estate, f.plan).of("web");
  EXPECT_EQ(d.pin, PinReason::local_state);
  EXPECT_EQ(d.allowed, (Servers{"alpha", "beta"}));
  EXPECT_EQ(d.label, "rehome.web");
  EXPECT_EQ(d.max_replicas_per_node, 2);
}

TEST(PlacementPolicy, EdgeProxyMayMoveOnlyAmongTheEdgeServers) {
  Fixture f;
  auto proxy = test::service("proxy", 256 * model::MiB, 1, model::Category::proxy);
  proxy.ports = {{80, 80, "tcp", "ingress"}, {443, 443, "tcp", "ingress"}};
  f.estate.services.push_back(proxy);
  f.estate.servers[0].hints.edge = true;
  f.estate.servers[2].hints.edge = true;
  test::place(f.plan, "proxy", {"alpha"});
  const auto d = decide_placements(f.estate, f.plan).of("proxy");
  EXPECT_FALSE(d.pinned());
  EXPECT_EQ(d.allowed, (Servers{"alpha", "gamma"}));
}

}  // namespace
}  // namespace rehome::plan
