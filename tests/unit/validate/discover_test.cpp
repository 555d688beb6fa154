// Discovery on the Engine API's answers (shapes as dockerd 20.10+ returns them, trimmed): a stack
// "shop" with a replicated web (ingress port, health check, one task still starting after a pull
// error), a database pinned to node1 (host-mode port), a global agent, and a service outside any stack.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "validate/discover.hpp"

namespace rehome::validate {
namespace {

using nlohmann::json;

const json kInfo = json::parse(R"J({"Swarm": {"NodeAddr": "198.18.0.10", "LocalNodeState": "active",
                                             "ControlAvailable": true}})J");

const json kNodes = json::parse(R"J([
  {"ID": "n0", "Description": {"Hostname": "node0"}, "Spec": {"Role": "manager"},
   "Status": {"State": "ready", "Addr": "0.0.0.0"},
   "ManagerStatus": {"Leader": true, "Reachability": "reachable", "Addr": "198.18.0.10:2377"}},
  {"ID": "n1", "Description": {"Hostname": "node1"}, "Spec": {"Role": "manager"},
   "Status": {"State": "ready", "Addr": "198.18.0.11"},
   "ManagerStatus": {"Reachability": "reachable", "Addr": "198.18.0.11:2377"}},
  {"ID": "n3", "Description": {"Hostname": "node3"}, "Spec": {"Role": "worker"},
   "Status": {"State": "down", "Addr": "198.18.0.13"}}
])J");

const json kServices = json::parse(R"J([
  {"ID": "s-web", "Spec": {"Name": "shop_web", "Labels": {"com.docker.stack.namespace": "shop"},
    "TaskTemplate": {"ContainerSpec": {"Image": "198.18.0.2:5000/shop/web:1@sha256:abc",
                                       "Healthcheck": {"Test": ["CMD", "/probe", "health"]}}},
    "Mode": {"Replicated": {"Replicas": 2}}},
   "Endpoint": {"Ports": [{"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080,
                           "PublishMode": "ingress"}]}},
  {"ID": "s-db", "Spec": {"Name": "shop_db", "Labels": {"com.docker.stack.namespace": "shop"},
    "TaskTemplate": {"ContainerSpec": {"Image": "198.18.0.2:5000/rehome/postgres:test"}},
    "Mode": {"Replicated": {"Replicas": 1}},
    "EndpointSpec": {"Ports": [{"Protocol": "tcp", "TargetPort": 5432, "PublishedPort": 15432,
                                "PublishMode": "host"}]}}},
  {"ID": "s-agent", "Spec": {"Name": "shop_agent", "Labels": {"com.docker.stack.namespace": "shop"},
    "TaskTemplate": {"ContainerSpec": {"Image": "agent:1", "Healthcheck": {"Test": ["NONE"]}}},
    "Mode": {"Global": {}}}},
  {"ID": "s-adhoc", "Spec": {"Name": "adhoc", "TaskTemplate": {"ContainerSpec": {"Image": "x"}},
    "Mode": {"Replicated": {"Replicas": 1}}}}
])J");

const json kTasks = json::parse(R"J([
  {"ServiceID": "s-web", "NodeID": "n0", "DesiredState": "running",
   "Status": {"State": "running", "Timestamp": "2026-12-07T03:00:00Z"}},
  {"ServiceID": "s-web", "NodeID": "n1", "DesiredState": "running",
   "Status": {"State": "preparing", "Timestamp": "2026-12-07T03:00:05Z"}},
  {"ServiceID": "s-web", "NodeID": "n1", "DesiredState": "shutdown",
   "Status": {"State": "rejected", "Err": "No such image: 198.18.0.2:5000/shop/web:1",
              "Timestamp": "2026-12-07T03:00:04Z"}},
  {"ServiceID": "s-db", "NodeID": "n1", "DesiredState": "running",
   "Status": {"State": "running", "Timestamp": "2026-12-07T03:00:01Z"}},
  {"ServiceID": "s-agent", "NodeID": "n0", "DesiredState": "running", "Status": {"State": "running"}},
  {"ServiceID": "s-agent", "NodeID": "n1", "DesiredState": "running", "Status": {"State": "running"}},
  {"ServiceID": "s-adhoc", "NodeID": "n0", "DesiredState": "running", "Status": {"State": "running"}}
])J");

const json kContainers = json::parse(R"J([
  {"Id": "c1", "Labels": {"com.docker.swarm.service.name": "shop_web"}, "State": "running",
   "Status": "Up 2 minutes (healthy)"}
])J");

Deployment shop() { return parse_deployment(kInfo, kNodes, kServices, kTasks, kContainers); }

const ProbeResult* find(const std::vector<ProbeResult>& v, const std::string& name) {
  for (const auto& r : v)
    if (r.name == name) return &r;
  return nullptr;
}

TEST(Discover, ParsesServicesTasksNodesAndPorts) {
  Deployment d = shop();
  EXPECT_EQ(d.node_address, "198.18.0.10");
  ASSERT_EQ(d.services.size(), 4u);
  const auto& web = d.services[3];  // sorted: adhoc, shop_agent, shop_db, shop_web
  EXPECT_EQ(web.name, "shop_web");
  EXPECT_EQ(web.stack, "shop");
  EXPECT_EQ(web.short_name(), "web");
  EXPECT_EQ(web.image, "198.18.0.2:5000/shop/web:1");
  EXPECT_EQ(web.desired, 2);
  EXPECT_EQ(web.running, 1);
  EXPECT_EQ(web.starting, 1);
  EXPECT_TRUE(web.healthcheck);
  EXPECT_EQ(web.nodes, std::vector<std::string>{"node0"});
  ASSERT_EQ(web.errors.size(), 1u);  // the rejected task's error explains the missing one
  EXPECT_NE(web.errors[0].find("No such image"), std::string::npos);
  ASSERT_EQ(web.ports.size(), 1u);
  EXPECT_EQ(web.ports[0].published, 8080);
  const auto& db = d.services[2];
  EXPECT_FALSE(db.healthcheck);
  EXPECT_EQ(db.ports[0].mode, "host");
  const auto& agent = d.services[1];
  EXPECT_TRUE(agent.global);
  EXPECT_EQ(agent.desired, 2);
  EXPECT_FALSE(agent.healthcheck);               // Test: ["NONE"]
  EXPECT_EQ(d.nodes[0].address, "198.18.0.10");  // from ManagerStatus when Status.Addr is 0.0.0.0
  EXPECT_TRUE(d.nodes[0].leader);
}

TEST(Discover, StateProbesJudgeTasksHealthAndNodes) {
  Deployment d = shop();
  auto probes = state_probes(d, {}, nullptr);
  EXPECT_EQ(find(probes, "adhoc tasks"), nullptr) << "a service outside any stack is not rehome's";
  auto* web = find(probes, "shop_web tasks");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->outcome, Outcome::partial);
  EXPECT_NE(web->reason.find("1 of 2 running on node0"), std::string::npos) << web->reason;
  EXPECT_NE(web->reason.find("No such image"), std::string::npos) << web->reason;
  EXPECT_EQ(find(probes, "shop_web health")->outcome, Outcome::partial);
  EXPECT_EQ(find(probes, "shop_db tasks")->outcome, Outcome::passed);
  EXPECT_EQ(find(probes, "shop_db health"), nullptr) << "no health check: only the tasks are judged";
  EXPECT_EQ(find(probes, "shop_agent tasks")->outcome, Outcome::passed);
  EXPECT_EQ(find(probes, "node node0")->outcome, Outcome::passed);
  EXPECT_EQ(find(probes, "node node3")->outcome, Outcome::failed);
}

TEST(Discover, AnUnhealthyContainerFailsItsService) {
  json containers = json::parse(R"J([{"Labels": {"com.docker.swarm.service.name": "shop_db"},
                                     "Status": "Up 5 seconds (unhealthy)"}])J");
  Deployment d = parse_deployment(kInfo, kNodes, kServices, kTasks, containers);
  auto probes = state_probes(d, {"shop"}, nullptr);
  ASSERT_NE(find(probes, "shop_db health"), nullptr);
  EXPECT_EQ(find(probes, "shop_db health")->outcome, Outcome::failed);
}

TEST(Discover, NothingDeployedIsSkippedNeverPassed) {
  Deployment d = parse_deployment(kInfo, json::array(), json::array(), json::array(), json::array());
  Suite s;
  s.results = state_probes(d, {}, nullptr);
  EXPECT_EQ(s.status(), Status::incomplete);
  auto other = state_probes(shop(), {"blog"}, nullptr);
  ASSERT_NE(find(other, "deployed stacks"), nullptr);
  EXPECT_NE(find(other, "deployed stacks")->reason.find("blog"), std::string::npos);
}

TEST(Discover, EstateServicesMustBeDeployed) {
  model::Estate e;
  model::Service web, mail;
  web.name = "web";
  mail.name = "mail";
  e.services = {web, mail};
  auto probes = state_probes(shop(), {}, &e);
  EXPECT_EQ(find(probes, "web deployed"), nullptr);
  ASSERT_NE(find(probes, "mail deployed"), nullptr);
  EXPECT_EQ(find(probes, "mail deployed")->outcome, Outcome::failed);
}

TEST(Discover, TargetsArePublishedPortsAndMovedDatabases) {
  auto pg = moved_database("shop-db", json::parse(R"J({"source": "postgresql://app:***@old:5432/app",
                                 "target": "postgresql://app:***@198.18.0.11:15432/app", "verified": true})J"));
  ASSERT_TRUE(pg);
  EXPECT_EQ(pg->engine, "postgres");
  EXPECT_EQ(pg->url, "postgresql://app:${SHOP_DB_PASSWORD}@198.18.0.11:15432/app");
  auto maria = moved_database("blog", json::parse(R"J({"target": "mysql://root@10.0.0.1:3306/blog"})J"));
  ASSERT_TRUE(maria);
  EXPECT_EQ(maria->engine, "mariadb");
  EXPECT_FALSE(moved_database("x", json::parse(R"J({"verified": true})J")));

  Targets t = discovered_targets(shop(), {}, {*pg, *maria}, "198.18.0.10");
  ASSERT_EQ(t.network.size(), 2u);
  EXPECT_EQ(t.network[0].url, "198.18.0.11:15432");  // host mode: where the task runs
  EXPECT_EQ(t.network[1].url, "198.18.0.10:8080");   // ingress: at the manager's address
  ASSERT_EQ(t.databases.size(), 1u) << "MariaDB has no built-in probe: it is not a target";
  EXPECT_EQ(t.databases[0].name, "shop-db");
  EXPECT_TRUE(t.disks.empty());
}

TEST(Discover, MalformedAnswersNameTheEndpoint) {
  try {
    parse_deployment(kInfo, json::object(), kServices, kTasks, kContainers);
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("GET /nodes"), std::string::npos);
  }
}

}  // namespace
}  // namespace rehome::validate
