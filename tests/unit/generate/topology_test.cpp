#include "generate/topology.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "small_estate.hpp"

namespace rehome::generate {
namespace {
using test::small_estate;
using test::small_plan;

TEST(Topology, ServiceWithLocalStateIsPinnedByHostname) {
  auto e = small_estate();
  auto p = small_plan();
  Topology t(e, p);
  EXPECT_EQ(t.placement("db").constraints, std::vector<std::string>{"node.hostname == beta"});
  EXPECT_EQ(t.placement("db").max_replicas_per_node, 0);
  EXPECT_EQ(t.placement("db").label, "");
}

TEST(Topology, StatelessSpreadServiceGetsANodeLabelOnEveryAllowedServerAndACap) {
  auto e = small_estate();
  auto p = small_plan();
  Topology t(e, p);
  const auto& web = t.placement("web");
  EXPECT_EQ(web.servers, (std::vector<std::string>{"alpha", "beta"}));
  EXPECT_EQ(web.constraints, std::vector<std::string>{"node.labels.rehome.web == true"});
  EXPECT_EQ(web.max_replicas_per_node, 2);  // the plan puts two on beta
  EXPECT_EQ(t.node_labels().at("alpha").at("rehome.web"), "true");
  EXPECT_EQ(t.node_labels().at("beta").at("rehome.web"), "true");
  // gamma too: a replica lost with alpha or beta may be rescheduled there.
  EXPECT_EQ(t.node_labels().at("gamma").at("rehome.web"), "true");
}

TEST(Topology, StatefulSpreadServiceIsLabelledOnItsPlanServersOnly) {
  auto e = small_estate();
  e.services[1].volumes.push_back({"uploads", "/srv/uploads", false, false, false});
  auto p = small_plan();
  Topology t(e, p);
  EXPECT_EQ(t.placement("web").pin, plan::PinReason::local_state);
  EXPECT_EQ(t.node_labels().at("alpha").at("rehome.web"), "true");
  EXPECT_EQ(t.node_labels().at("gamma").count("rehome.web"), 0u);
}

TEST(Topology, EdgeProxyIsLabelledOnTheEdgeServers) {
  auto e = small_estate();
  auto p = small_plan();
  Topology t(e, p);
  EXPECT_EQ(t.placement("proxy").constraints, std::vector<std::string>{"node.labels.rehome.proxy == true"});
  EXPECT_EQ(t.placement("proxy").allowed, std::vector<std::string>{"alpha"});
}

TEST(Topology, GlobalServiceOmittedFromThePlanRunsEverywhereWithoutConstraint) {
  auto e = small_estate();
  auto p = small_plan();
  Topology t(e, p);
  EXPECT_EQ(t.placement("node-exporter").servers.size(), 3u);
  EXPECT_TRUE(t.placement("node-exporter").constraints.empty());
}

TEST(Topology, ManagersAreTheDeclaredOnesToppedUpWithReliableServers) {
  auto e = small_estate();
  auto p = small_plan();
  Topology t(e, p);
  ASSERT_EQ(t.managers().size(), 3u);
  EXPECT_EQ(t.managers()[0]->name, "alpha");  // declared: runs swarm init
  EXPECT_EQ(t.managers()[1]->name, "beta");   // reliable
  EXPECT_EQ(t.managers()[2]->name, "gamma");
  EXPECT_TRUE(t.workers().empty());
  e.managers = 1;
  Topology one(e, p);
  EXPECT_EQ(one.managers().size(), 1u);
  EXPECT_EQ(one.workers().size(), 2u);
}

TEST(Topology, EdgeIsTheServerMarkedEdgeAndTheProxyIsRecognised) {
  auto e = small_estate();
  auto p = small_plan();
  Topology t(e, p);
  EXPECT_EQ(t.edge_servers(), std::vector<std::string>{"alpha"});
  EXPECT_TRUE(t.is_edge_proxy(*e.find_service("proxy")));
  EXPECT_FALSE(t.is_edge_proxy(*e.find_service("web")));
  e.servers[0].hints.edge = false;  // no hint: where the plan puts the proxy
  Topology by_plan(e, p);
  EXPECT_EQ(by_plan.edge_servers(), std::vector<std::string>{"alpha"});
}

TEST(Topology, NetworkPolicyEncryptsBackendDatabaseMonitoringAndIsolatesTheDatabase) {
  auto e = small_estate();
  auto p = small_plan();
  Topology t(e, p);
  ASSERT_NE(t.network("backend"), nullptr);
  EXPECT_TRUE(t.network("backend")->encrypted);
  EXPECT_TRUE(t.network("database")->encrypted);
  EXPECT_TRUE(t.network("database")->internal);
  ASSERT_NE(t.network("monitoring"), nullptr);  // joined by services with metrics endpoints
  EXPECT_TRUE(t.network("monitoring")->encrypted);
  EXPECT_TRUE(t.network("public")->public_);
  EXPECT_FALSE(t.network("public")->internal);
  EXPECT_FALSE(t.network("public")->encrypted);
}

TEST(Topology, PublishedPortsFollowThePlan) {
  auto e = small_estate();
  auto p = small_plan();
  Topology t(e, p);
  auto alpha = t.published_on("alpha");
  ASSERT_EQ(alpha.size(), 2u);
  EXPECT_EQ(alpha[0].port, 80);
  EXPECT_EQ(alpha[1].port, 443);
  EXPECT_TRUE(t.published_on("gamma").empty());
}

TEST(Topology, PlanThatDisagreesWithTheEstateIsRefusedByName) {
  auto e = small_estate();
  auto p = small_plan();
  p.assignments.pop_back();  // db has no replica
  try {
    Topology t(e, p);
    FAIL();
  } catch (const UserError& err) {
    EXPECT_NE(std::string(err.what()).find("db has 0 replica(s) in the plan but 1 in the estate"),
              std::string::npos)
        << err.what();
  }
  auto unknown = small_plan();
  unknown.assignments.push_back({"web", 3, "delta"});
  EXPECT_THROW(Topology(e, unknown), UserError);
}

TEST(Topology, DefaultStacksAndSlugs) {
  auto db = test::service("x", model::MiB, 1, model::Category::database);
  EXPECT_EQ(default_stack(db), "databases");
  auto mon = test::service("x", model::MiB, 1, model::Category::monitoring);
  EXPECT_EQ(default_stack(mon), "monitoring");
  auto staging = test::service("x", model::MiB);
  staging.tier = model::Tier::staging;
  EXPECT_EQ(default_stack(staging), "staging");
  EXPECT_EQ(slug("Keycloak_DB password"), "keycloak-db-password");
}

}  // namespace
}  // namespace rehome::generate
