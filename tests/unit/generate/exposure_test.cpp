// A port compose bound to one address is never published on the routing mesh, never opened in
// UFW or iptables, never exposed by Kubernetes (issue 18, item 1).
#include <gtest/gtest.h>

#include "generate/generate.hpp"
#include "small_estate.hpp"

using namespace rehome;
using namespace rehome::generate;

namespace {

struct Exposure_ : ::testing::Test {
  model::Estate estate = generate::test::small_estate();
  plan::Plan plan = generate::test::small_plan();
  void SetUp() override {
    auto& db = estate.services[2];
    db.ports = {{13306, 3306, "tcp", "ingress", "127.0.0.1"}, {7654, 6379, "tcp", "ingress", "::1"}};
    auto& web = estate.services[1];
    web.ports.push_back({8000, 8000, "tcp", "ingress", "10.0.0.2"});
    web.ports.push_back({9000, 9000, "tcp", "ingress", ""});
  }
};

}  // namespace

TEST_F(Exposure_, StackDoesNotPublishBoundPortsAndSaysSo) {
  Topology t(estate, plan);
  std::string db = stack_file(t, "databases");
  EXPECT_EQ(db.find("published: 13306"), std::string::npos) << db;
  EXPECT_EQ(db.find("published: 7654"), std::string::npos) << db;
  EXPECT_NE(db.find("#   db: 127.0.0.1:13306 -> 3306/tcp"), std::string::npos) << db;
  std::string web = stack_file(t, "production");
  EXPECT_EQ(web.find("published: 8000"), std::string::npos) << web;
  EXPECT_NE(web.find("published: 9000"), std::string::npos) << web;  // public stays public
}

TEST_F(Exposure_, FirewallsNeverOpenThem) {
  Topology t(estate, plan);
  for (const auto& [path, text] : firewall_scripts(t)) {
    EXPECT_EQ(text.find("13306"), std::string::npos) << path;
    EXPECT_EQ(text.find("7654"), std::string::npos) << path;
    EXPECT_EQ(text.find("8000"), std::string::npos) << path;
  }
  for (const char* server : {"alpha", "beta", "gamma"}) {
    std::string ipt = iptables_firewall_script(t, server);
    EXPECT_EQ(ipt.find("13306"), std::string::npos) << server;
    EXPECT_EQ(ipt.find("--dport 8000"), std::string::npos) << server;
  }
  EXPECT_NE(firewall_scripts(t).at("firewall/beta.sh").find("ufw allow 9000/tcp"), std::string::npos);
}

TEST_F(Exposure_, KubernetesKeepsThemInsideTheCluster) {
  Topology t(estate, plan);
  auto files = kubernetes_manifests(t);
  std::string db = files.at("k8s/databases/db.yaml");
  EXPECT_EQ(db.find("13306"), std::string::npos) << db;  // the Service port is the container's
  EXPECT_EQ(db.find("NodePort"), std::string::npos);
  EXPECT_EQ(db.find("LoadBalancer"), std::string::npos);
  EXPECT_EQ(db.find("hostPort"), std::string::npos);
  for (const auto& [path, text] : files) EXPECT_EQ(text.find("hostPort"), std::string::npos) << path;
}

TEST_F(Exposure_, LoopbackWebPortDoesNotMakeAnEdgeProxy) {
  estate.services[1].ports = {{80, 8080, "tcp", "ingress", "127.0.0.1"}};
  Topology t(estate, plan);
  EXPECT_FALSE(t.is_edge_proxy(estate.services[1]));
}

// A database that publishes nothing on the mesh is reached by its task's own address (dnsrr), not
// through an IPVS virtual IP: no idle-connection cut, no ip_vs module needed. Stateless services and
// anything with an ingress port keep the VIP (Swarm refuses dnsrr with ingress ports).
TEST_F(Exposure_, PrivateDatabaseIsReachedByDnsRoundRobin) {
  Topology t(estate, plan);
  std::string db = stack_file(t, "databases");
  EXPECT_NE(db.find("endpoint_mode: dnsrr"), std::string::npos) << db;
  EXPECT_EQ(stack_file(t, "production").find("endpoint_mode"), std::string::npos);
  estate.services[2].ports.push_back({5432, 5432, "tcp", "ingress", ""});
  Topology published(estate, plan);
  EXPECT_EQ(stack_file(published, "databases").find("endpoint_mode"), std::string::npos);
  estate.services[2].ports.back().mode = "host";
  Topology host_mode(estate, plan);
  EXPECT_NE(stack_file(host_mode, "databases").find("endpoint_mode: dnsrr"), std::string::npos);
}
