// The generated files parse back and say what the plan says.
#include <yaml-cpp/yaml.h>

#include <gtest/gtest.h>

#include "common/shell.hpp"
#include "generate/generate.hpp"
#include "generate/yaml_writer.hpp"
#include "small_estate.hpp"

namespace rehome::generate {
namespace {
using test::small_estate;
using test::small_plan;

class Files_ : public ::testing::Test {
 protected:
  model::Estate estate = small_estate();
  plan::Plan plan = small_plan();
  Topology topology{estate, plan};
};

TEST_F(Files_, OneStackFilePerStack) {
  auto files = stack_files(topology);
  std::vector<std::string> names;
  for (const auto& [path, text] : files) names.push_back(path);
  EXPECT_EQ(names, (std::vector<std::string>{"stacks/databases.yml", "stacks/edge.yml",
                                             "stacks/monitoring.yml", "stacks/production.yml"}));
}

// No limit is invented from a category guess (issue 18: a Java broker capped at 512M); a declared or
// measured reservation without a limit still gets twice it (at least +256 MiB).
TEST(MemoryLimit, OnlyFromDeclaredOrMeasuredNumbers) {
  auto broker = rehome::test::service("broker", 256 * model::MiB, 1, model::Category::queue);
  broker.resources.memory_limit = 0;
  broker.resources.estimated = true;
  EXPECT_EQ(effective_memory_limit(broker), 0);
  broker.resources.estimated = false;  // measured on the live engine, or declared as a reservation
  EXPECT_EQ(effective_memory_limit(broker), 512 * model::MiB);
  broker.resources.memory_reservation = 1 * model::GiB;
  EXPECT_EQ(effective_memory_limit(broker), 2 * model::GiB);
  broker.resources.memory_limit = 768 * model::MiB;  // declared: kept (never below the reservation)
  EXPECT_EQ(effective_memory_limit(broker), 1 * model::GiB);

  auto estate = generate::test::small_estate();
  estate.services[1].resources.memory_limit = 0;
  estate.services[1].resources.cpu_limit = 0;
  estate.services[1].resources.estimated = true;
  Topology t(estate, generate::test::small_plan());
  auto web = YAML::Load(stack_file(t, "production"))["services"]["web"]["deploy"]["resources"];
  EXPECT_FALSE(web["limits"]) << stack_file(t, "production");
  EXPECT_EQ(web["reservations"]["memory"].as<std::string>(), "256M");
  EXPECT_EQ(kubernetes_manifests(t).at("k8s/production/web.yaml").find("limits:"), std::string::npos);
}

TEST_F(Files_, StackCarriesPlacementResourcesUpdatePolicyAndSecurity) {
  YAML::Node doc = YAML::Load(stack_file(topology, "production"));
  EXPECT_EQ(doc["version"].Tag(), "!");  // quoted: a string, as Compose requires
  EXPECT_EQ(doc["version"].as<std::string>(), "3.8");
  auto web = doc["services"]["web"];
  EXPECT_EQ(web["image"].as<std::string>(), "example/web:1");
  auto deploy = web["deploy"];
  EXPECT_EQ(deploy["replicas"].as<int>(), 3);
  EXPECT_EQ(deploy["placement"]["constraints"][0].as<std::string>(), "node.labels.rehome.web == true");
  EXPECT_EQ(deploy["placement"]["max_replicas_per_node"].as<int>(), 2);
  EXPECT_EQ(deploy["resources"]["limits"]["memory"].as<std::string>(), "512M");
  EXPECT_EQ(deploy["resources"]["limits"]["cpus"].as<std::string>(), "1.5");
  EXPECT_EQ(deploy["resources"]["reservations"]["memory"].as<std::string>(), "256M");
  EXPECT_EQ(deploy["resources"]["reservations"]["cpus"].as<std::string>(), "0.25");
  EXPECT_EQ(deploy["update_config"]["parallelism"].as<int>(), 1);
  EXPECT_EQ(deploy["update_config"]["failure_action"].as<std::string>(), "rollback");
  EXPECT_EQ(deploy["update_config"]["order"].as<std::string>(), "start-first");
  EXPECT_EQ(deploy["rollback_config"]["order"].as<std::string>(), "start-first");
  EXPECT_EQ(deploy["restart_policy"]["condition"].as<std::string>(), "any");
  EXPECT_EQ(web["healthcheck"]["test"][0].as<std::string>(), "CMD");
  EXPECT_EQ(web["healthcheck"]["interval"].as<std::string>(), "5s");
  EXPECT_EQ(web["healthcheck"]["retries"].as<int>(), 3);
  // No blanket ALL (database entrypoints chown and switch user): the default hardening list.
  EXPECT_EQ(web["cap_drop"].size(), 5u);
  EXPECT_EQ(web["cap_drop"][0].as<std::string>(), "AUDIT_WRITE");
  EXPECT_EQ(web["security_opt"][0].as<std::string>(), "no-new-privileges:true");
  EXPECT_TRUE(web["read_only"].as<bool>());
  EXPECT_EQ(web["volumes"][0]["type"].as<std::string>(), "tmpfs");
  EXPECT_EQ(web["secrets"][0].as<std::string>(), "db_password");
  EXPECT_TRUE(doc["secrets"]["db_password"]["external"].as<bool>());
  EXPECT_TRUE(doc["networks"]["backend"]["external"].as<bool>());
  EXPECT_TRUE(doc["networks"]["monitoring"]["external"].as<bool>());
}

TEST_F(Files_, StatefulServiceStopsFirstAndDeclaresItsVolume) {
  YAML::Node doc = YAML::Load(stack_file(topology, "databases"));
  auto db = doc["services"]["db"];
  EXPECT_EQ(db["deploy"]["update_config"]["order"].as<std::string>(), "stop-first");
  EXPECT_EQ(db["deploy"]["placement"]["constraints"][0].as<std::string>(), "node.hostname == beta");
  EXPECT_EQ(db["volumes"][0]["source"].as<std::string>(), "db-data");
  EXPECT_TRUE(doc["volumes"]["db-data"].IsMap());
  EXPECT_EQ(db["healthcheck"]["test"][0].as<std::string>(), "CMD-SHELL");
}

TEST_F(Files_, EdgeProxyPublishesInHostModeWithItsCapability) {
  YAML::Node doc = YAML::Load(stack_file(topology, "edge"));
  auto proxy = doc["services"]["proxy"];
  EXPECT_EQ(proxy["ports"][0]["published"].as<int>(), 80);
  EXPECT_EQ(proxy["ports"][0]["mode"].as<std::string>(), "host");
  EXPECT_EQ(proxy["cap_add"][0].as<std::string>(), "NET_BIND_SERVICE");
  EXPECT_EQ(proxy["networks"][0].as<std::string>(), "backend");
  EXPECT_EQ(proxy["networks"][1].as<std::string>(), "public");
}

TEST_F(Files_, GlobalServiceHasGlobalModeAndNoReplicas) {
  YAML::Node doc = YAML::Load(stack_file(topology, "monitoring"));
  auto deploy = doc["services"]["node-exporter"]["deploy"];
  EXPECT_EQ(deploy["mode"].as<std::string>(), "global");
  EXPECT_FALSE(deploy["replicas"]);
}

TEST_F(Files_, BootstrapInitsJoinsLabelsAndCreatesEncryptedNetworksWithoutSecretValues) {
  std::string script = bootstrap_script(topology);
  EXPECT_EQ(script.rfind("#!/usr/bin/env bash\n", 0), 0u);
  EXPECT_NE(script.find("set -euo pipefail"), std::string::npos);
  EXPECT_NE(script.find("init_swarm 10.0.0.1\n"), std::string::npos);
  EXPECT_NE(script.find("join_node beta 10.0.0.2 manager\n"), std::string::npos);
  EXPECT_NE(script.find("join_node gamma 10.0.0.3 manager\n"), std::string::npos);
  EXPECT_NE(script.find("label_node alpha rehome.proxy=true rehome.web=true\n"), std::string::npos);
  EXPECT_NE(script.find("label_node gamma rehome.web=true\n"), std::string::npos);  // web may move there
  EXPECT_NE(script.find("create_network backend yes no\n"), std::string::npos);
  EXPECT_NE(script.find("create_network database yes yes\n"), std::string::npos);
  EXPECT_NE(script.find("create_network public no no\n"), std::string::npos);
  EXPECT_NE(script.find("create_secret db_password\n"), std::string::npos);
  EXPECT_EQ(script.find("JOIN_ADDRESS=10.0.0.1:2377"), script.find("JOIN_ADDRESS=10.0.0.1:2377"));
}

TEST_F(Files_, FirewallOpensSwarmPortsToPeersAndWebOnlyOnTheEdge) {
  auto files = firewall_scripts(topology);
  ASSERT_EQ(files.size(), 3u);
  const auto& alpha = files.at("firewall/alpha.sh");
  EXPECT_NE(alpha.find("for peer in 10.0.0.2 10.0.0.3; do"), std::string::npos);
  EXPECT_NE(alpha.find("port 2377"), std::string::npos);  // a manager
  EXPECT_NE(alpha.find("ufw allow 443/tcp"), std::string::npos);
  EXPECT_NE(alpha.find("proto esp"), std::string::npos);
  EXPECT_NE(alpha.find("ufw default deny incoming"), std::string::npos);
  const auto& beta = files.at("firewall/beta.sh");
  EXPECT_EQ(beta.find("ufw allow 443/tcp"), std::string::npos);
  EXPECT_EQ(beta.find("ufw allow 80/tcp"), std::string::npos);
  estate.managers = 1;
  Topology one_manager(estate, plan);
  const auto scripts = firewall_scripts(one_manager);  // kept: .at() of a temporary would dangle
  const auto& worker = scripts.at("firewall/beta.sh");
  EXPECT_EQ(worker.find("port 2377"), std::string::npos);
  EXPECT_NE(worker.find("port 7946"), std::string::npos);
}

TEST_F(Files_, PrometheusScrapesThroughSwarmDnsAndAlertsUseThePlansReplicaCounts) {
  YAML::Node prom = YAML::Load(prometheus_config(topology));
  std::map<std::string, YAML::Node> jobs;
  for (const auto& job : prom["scrape_configs"])
    jobs.emplace(job["job_name"].as<std::string>(), YAML::Node(job));
  ASSERT_TRUE(jobs.count("node"));
  EXPECT_EQ(jobs["node"]["dns_sd_configs"][0]["names"][0].as<std::string>(),
            "tasks.monitoring_node-exporter");
  ASSERT_TRUE(jobs.count("cadvisor"));  // not a service here: static targets on every server
  EXPECT_EQ(jobs["cadvisor"]["static_configs"].size(), 3u);
  ASSERT_TRUE(jobs.count("web"));
  EXPECT_EQ(jobs["web"]["dns_sd_configs"][0]["port"].as<int>(), 8080);

  YAML::Node alerts = YAML::Load(alert_rules(topology));
  std::set<std::string> names;
  std::string web_rule;
  for (const auto& group : alerts["groups"]) {
    for (const auto& rule : group["rules"]) {
      names.insert(rule["alert"].as<std::string>());
      if (rule["labels"]["service"] && rule["labels"]["service"].as<std::string>() == "web") {
        web_rule = rule["expr"].as<std::string>();
      }
    }
  }
  for (const char* name : {"NodeDown", "ServiceBelowDesiredReplicas", "BackupStale", "BackupFailed",
                           "DiskNearlyFull", "ReplicaLagHigh", "GitMirrorSyncStale"}) {
    EXPECT_TRUE(names.count(name)) << name;
  }
  EXPECT_NE(web_rule.find("production_web"), std::string::npos) << web_rule;
  EXPECT_NE(web_rule.find("< 3"), std::string::npos) << web_rule;
}

TEST(YamlWriter, QuotesWhatWouldReadBackAsAnotherType) {
  for (const char* s : {"3.8", "true", "yes", "no", "null", "0", "1e3", "", "0x1f", "12:30"}) {
    EXPECT_TRUE(needs_quotes(s)) << s;
  }
  for (const char* s : {"3.8.1", "node.hostname == x", "512M", "abc", "10s"})
    EXPECT_FALSE(needs_quotes(s)) << s;
  EXPECT_EQ(decimal_cpus(1500), "1.5");
  EXPECT_EQ(decimal_cpus(250), "0.25");
  EXPECT_EQ(decimal_cpus(2000), "2");
  EXPECT_EQ(decimal_cpus(5), "0.005");
}

TEST(Shell, QuotesWordsWithSpecialCharacters) {
  EXPECT_EQ(shell_word("10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(shell_word("50%"), "50%");
  EXPECT_EQ(shell_word(""), "''");
  EXPECT_EQ(shell_word("a b"), "'a b'");
  EXPECT_EQ(shell_word("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_word("$(rm -rf /)"), "'$(rm -rf /)'");
  EXPECT_EQ(shell_quote("plain"), "'plain'");
}

}  // namespace
}  // namespace rehome::generate
