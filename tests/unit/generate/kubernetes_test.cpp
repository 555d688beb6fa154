// The Kubernetes manifests: every document parses and has the fields the API server requires.
#include <yaml-cpp/yaml.h>

#include <gtest/gtest.h>

#include "generate/generate.hpp"
#include "small_estate.hpp"

namespace rehome::generate {
namespace {

std::vector<YAML::Node> documents(const std::string& text) {
  std::vector<YAML::Node> docs;
  for (auto& d : YAML::LoadAll(text)) {
    if (d.IsMap()) docs.push_back(d);
  }
  return docs;
}

// What every object needs, and what every workload needs.
void expect_valid(const YAML::Node& d, const std::string& where) {
  ASSERT_TRUE(d["apiVersion"]) << where;
  ASSERT_TRUE(d["kind"]) << where;
  ASSERT_TRUE(d["metadata"]["name"]) << where;
  std::string kind = d["kind"].as<std::string>();
  if (kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet") {
    auto selector = d["spec"]["selector"]["matchLabels"];
    auto labels = d["spec"]["template"]["metadata"]["labels"];
    ASSERT_TRUE(selector.IsMap()) << where;
    for (const auto& kv : selector) {
      EXPECT_EQ(labels[kv.first.as<std::string>()].as<std::string>(), kv.second.as<std::string>()) << where;
    }
    auto c = d["spec"]["template"]["spec"]["containers"][0];
    EXPECT_TRUE(c["name"] && c["image"]) << where;
    EXPECT_TRUE(c["resources"]["requests"]["memory"]) << where;
    EXPECT_TRUE(c["resources"]["limits"]["memory"]) << where;
    for (const auto& m : c["volumeMounts"]) {
      std::string name = m["name"].as<std::string>();
      bool declared = false;
      for (const auto& v : d["spec"]["template"]["spec"]["volumes"])
        declared |= v["name"].as<std::string>() == name;
      for (const auto& v : d["spec"]["volumeClaimTemplates"])
        declared |= v["metadata"]["name"].as<std::string>() == name;
      EXPECT_TRUE(declared) << where << ": mount " << name << " has no volume";
    }
  }
}

class Kubernetes : public ::testing::Test {
 protected:
  model::Estate estate = test::small_estate();
  plan::Plan plan = test::small_plan();
  Topology topology{estate, plan};
  Files files = kubernetes_manifests(topology);
};

TEST_F(Kubernetes, EveryDocumentIsWellFormed) {
  int count = 0;
  for (const auto& [path, text] : files) {
    if (!path.ends_with(".yaml")) continue;  // k8s/setup.sh
    for (const auto& d : documents(text)) {
      expect_valid(d, path);
      ++count;
    }
  }
  EXPECT_GT(count, 8);
}

TEST_F(Kubernetes, StatelessIsADeploymentOnEveryServerThePlanAllows) {
  auto docs = documents(files.at("k8s/production/web.yaml"));
  ASSERT_GE(docs.size(), 2u);
  EXPECT_EQ(docs[0]["kind"].as<std::string>(), "Deployment");
  EXPECT_EQ(docs[0]["spec"]["replicas"].as<int>(), 3);
  auto term =
      docs[0]["spec"]["template"]["spec"]["affinity"]["nodeAffinity"]
          ["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]["matchExpressions"][0];
  EXPECT_EQ(term["key"].as<std::string>(), "kubernetes.io/hostname");
  EXPECT_EQ(term["values"].size(), 3u);  // the placement policy: every allowed server, not the plan's two
  auto c = docs[0]["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(c["livenessProbe"]["exec"]["command"][0].as<std::string>(), "/probe");
  EXPECT_TRUE(c["readinessProbe"]);
  EXPECT_EQ(c["resources"]["requests"]["memory"].as<std::string>(), "256Mi");
  EXPECT_EQ(c["resources"]["limits"]["cpu"].as<std::string>(), "1500m");
  EXPECT_TRUE(c["securityContext"]["readOnlyRootFilesystem"].as<bool>());
  // Secrets by reference, mounted where Swarm mounts them.
  auto volumes = docs[0]["spec"]["template"]["spec"]["volumes"];
  bool secret = false;
  for (const auto& v : volumes) {
    if (v["projected"])
      secret = v["projected"]["sources"][0]["secret"]["name"].as<std::string>() == "db-password";
  }
  EXPECT_TRUE(secret);
  EXPECT_EQ(docs[1]["kind"].as<std::string>(), "Service");
}

TEST_F(Kubernetes, StatefulIsAStatefulSetWithClaims) {
  auto docs = documents(files.at("k8s/databases/db.yaml"));
  ASSERT_GE(docs.size(), 2u);
  EXPECT_EQ(docs[0]["kind"].as<std::string>(), "StatefulSet");
  EXPECT_EQ(docs[0]["spec"]["serviceName"].as<std::string>(), "db");
  auto claim = docs[0]["spec"]["volumeClaimTemplates"][0];
  EXPECT_EQ(claim["metadata"]["name"].as<std::string>(), "db-data");
  EXPECT_EQ(claim["spec"]["resources"]["requests"]["storage"].as<std::string>(), "6Gi");
  auto probe = docs[0]["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["exec"]["command"];
  EXPECT_EQ(probe[0].as<std::string>(), "/bin/sh");
  EXPECT_EQ(docs[1]["spec"]["clusterIP"].as<std::string>(), "None");
}

TEST_F(Kubernetes, NetworkPoliciesMirrorTheNetworksAndOneIngressForTheEdge) {
  auto policies = documents(files.at("k8s/network-policies.yaml"));
  std::set<std::string> names;
  for (const auto& p : policies) names.insert(p["metadata"]["name"].as<std::string>());
  for (const char* n : {"default-deny-ingress", "network-backend", "network-database", "network-monitoring",
                        "edge-proxy", "internal-db"}) {
    EXPECT_TRUE(names.count(n)) << n;
  }
  auto ingress = documents(files.at("k8s/ingress.yaml"));
  ASSERT_EQ(ingress.size(), 1u);
  EXPECT_EQ(ingress[0]["spec"]["defaultBackend"]["service"]["name"].as<std::string>(), "proxy");
  EXPECT_EQ(ingress[0]["spec"]["defaultBackend"]["service"]["port"]["number"].as<int>(), 80);
}

TEST_F(Kubernetes, EdgeWithHttpsGetsAnIngressWithTlsForTheRoutedHosts) {
  auto ingress = documents(files.at("k8s/ingress.yaml"));
  EXPECT_EQ(ingress[0]["spec"]["tls"][0]["secretName"].as<std::string>(), "edge-tls");
  EXPECT_FALSE(ingress[0]["spec"]["tls"][0]["hosts"]);  // no routing rule names a host

  estate.services[1].runtime.deploy_labels["traefik.http.routers.web.rule"] =
      "Host(`shop.example.org`) || Host(`www.shop.example.org`)";
  estate.services[1].runtime.labels["traefik.http.routers.x.rule"] = "Host(`bad host`) && Path(`/`)";
  Topology routed(estate, plan);
  auto tls = documents(kubernetes_manifests(routed).at("k8s/ingress.yaml"))[0]["spec"]["tls"][0];
  ASSERT_EQ(tls["hosts"].size(), 2u);
  EXPECT_EQ(tls["hosts"][0].as<std::string>(), "shop.example.org");
  EXPECT_EQ(tls["hosts"][1].as<std::string>(), "www.shop.example.org");

  estate.services[0].ports = {{80, 80, "tcp", "ingress"}};  // HTTP only: no tls section
  Topology plain(estate, plan);
  EXPECT_FALSE(documents(kubernetes_manifests(plain).at("k8s/ingress.yaml"))[0]["spec"]["tls"]);
  EXPECT_NE(kubernetes_manifests(plain).at("k8s/setup.sh").find("the edge serves no TLS"), std::string::npos);
}

// The Secrets and ConfigMaps the manifests refer to are made by k8s/setup.sh, from files at run time:
// no manifest holds a Secret or a value.
TEST_F(Kubernetes, SetupScriptCreatesTheReferencedSecretsAndConfigMaps) {
  estate.services[1].runtime.configs = {{"nginx.conf", "/etc/nginx/nginx.conf", "/srv/shop/nginx.conf"},
                                        {"extra", "", ""}};
  Topology t(estate, plan);
  auto all = kubernetes_manifests(t);
  const std::string& setup = all.at("k8s/setup.sh");
  EXPECT_NE(setup.find("create_secret db-password db_password\n"), std::string::npos) << setup;
  EXPECT_NE(setup.find("create_config nginx-conf /srv/shop/nginx.conf\n"), std::string::npos) << setup;
  EXPECT_NE(setup.find("config extra: created outside rehome"), std::string::npos) << setup;
  EXPECT_NE(setup.find("create_tls edge-tls"), std::string::npos);
  EXPECT_NE(setup.find("NAMESPACE=acme\n"), std::string::npos);
  std::string web = all.at("k8s/production/web.yaml");
  EXPECT_NE(web.find("name: nginx-conf"), std::string::npos) << web;  // the ConfigMap volume
  for (const auto& [path, text] : all) {
    if (!path.ends_with(".yaml")) continue;
    for (const auto& d : documents(text)) EXPECT_NE(d["kind"].as<std::string>(), "Secret") << path;
  }
}

TEST_F(Kubernetes, GlobalServiceIsADaemonSet) {
  auto docs = documents(files.at("k8s/monitoring/node-exporter.yaml"));
  EXPECT_EQ(docs[0]["kind"].as<std::string>(), "DaemonSet");
  EXPECT_FALSE(docs[0]["spec"]["replicas"]);
}

}  // namespace
}  // namespace rehome::generate
