// Runtime carried into the stacks and manifests; secrets by reference; default hardening
// (issue 18, items 2, 3 and 5).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "generate/generate.hpp"
#include "generate/runtime.hpp"
#include "small_estate.hpp"

using namespace rehome;
using namespace rehome::generate;

namespace {

struct Runtime_ : ::testing::Test {
  model::Estate estate = generate::test::small_estate();
  plan::Plan plan = generate::test::small_plan();
  void SetUp() override {
    auto& db = estate.services[2];
    db.image = "postgres:16";
    db.runtime.environment = {{"POSTGRES_PASSWORD", {"", "acme-pgpass"}}, {"POSTGRES_DB", {"app", ""}}};
    db.secrets.push_back("acme-pgpass");
    auto& web = estate.services[1];
    web.runtime.environment = {{"DATABASE_URL", {"", "web-database-url"}}, {"PRICE", {"$5", ""}}};
    web.secrets.push_back("web-database-url");
    web.runtime.command = std::vector<std::string>{"serve", "--port", "8080"};
    web.runtime.user = "1000:1000";
    web.runtime.working_dir = "/app";
    web.runtime.ulimits = {{"nofile", {65535, 65535}}};
    web.runtime.stop_grace_period = 45000;
    web.runtime.init = true;
    web.runtime.shm_size = 64 * model::MiB;
    web.runtime.tmpfs = {"/var/cache"};
    web.runtime.logging = model::Logging{"json-file", {{"max-size", "10m"}}};
    web.runtime.deploy_labels = {{"traefik.http.routers.web.rule", "Host(`web.example.com`)"}};
    web.runtime.labels = {{"ofelia.enabled", "true"}};
  }
};

YAML::Node service_of(const std::string& stack_text, const std::string& name) {
  return YAML::Load(stack_text)["services"][name];
}

}  // namespace

TEST(Hardening, DatabasesKeepWhatTheirEntrypointsNeed) {
  model::Service pg;
  pg.image = "postgres:16";
  auto drop = cap_drop_of(pg);
  for (const char* needed : {"CHOWN", "DAC_OVERRIDE", "FOWNER", "SETUID", "SETGID"})
    EXPECT_EQ(std::find(drop.begin(), drop.end(), needed), drop.end()) << needed;
  EXPECT_NE(std::find(drop.begin(), drop.end(), "NET_RAW"), drop.end());
  pg.cap_add = {"NET_RAW"};
  drop = cap_drop_of(pg);
  EXPECT_EQ(std::find(drop.begin(), drop.end(), "NET_RAW"), drop.end());
  pg.runtime.cap_drop = {"ALL"};
  EXPECT_EQ(cap_drop_of(pg), std::vector<std::string>{"ALL"});
}

TEST(Images, FileConventionAndRepositories) {
  EXPECT_EQ(image_repository("registry.example.com:5000/library/postgres:15-alpine@sha256:ab"), "postgres");
  EXPECT_TRUE(reads_file_variant("postgres:16-alpine", "POSTGRES_PASSWORD"));
  EXPECT_TRUE(reads_file_variant("mariadb:10.11", "MYSQL_ROOT_PASSWORD"));
  EXPECT_FALSE(reads_file_variant("redis:7", "REDIS_PASSWORD"));
  EXPECT_FALSE(reads_file_variant("example/app:1", "POSTGRES_PASSWORD"));
}

TEST_F(Runtime_, StackCarriesRuntimeAndSecretsByReference) {
  Topology t(estate, plan);
  auto db = service_of(stack_file(t, "databases"), "db");
  EXPECT_EQ(db["environment"]["POSTGRES_PASSWORD_FILE"].as<std::string>(), "/run/secrets/acme-pgpass");
  EXPECT_FALSE(db["environment"]["POSTGRES_PASSWORD"]);
  EXPECT_EQ(db["environment"]["POSTGRES_DB"].as<std::string>(), "app");
  EXPECT_FALSE(db["entrypoint"]);  // no shim needed: the image reads *_FILE itself

  std::string text = stack_file(t, "production");
  auto doc = YAML::Load(text);
  auto web = doc["services"]["web"];
  EXPECT_EQ(web["environment"]["REHOME_SECRET_ENV"].as<std::string>(),
            "DATABASE_URL=/run/secrets/web-database-url");
  EXPECT_EQ(web["environment"]["PRICE"].as<std::string>(), "$$5");  // docker stack deploy makes it $5
  EXPECT_EQ(web["entrypoint"][0].as<std::string>(), "/bin/sh");
  EXPECT_EQ(web["entrypoint"][1].as<std::string>(), kShimPath);
  EXPECT_EQ(web["command"][0].as<std::string>(), "serve");
  EXPECT_EQ(web["user"].as<std::string>(), "1000:1000");
  EXPECT_EQ(web["working_dir"].as<std::string>(), "/app");
  EXPECT_EQ(web["ulimits"]["nofile"]["soft"].as<int>(), 65535);
  EXPECT_EQ(web["stop_grace_period"].as<std::string>(), "45s");
  EXPECT_TRUE(web["init"].as<bool>());
  EXPECT_EQ(web["logging"]["options"]["max-size"].as<std::string>(), "10m");
  EXPECT_EQ(web["labels"]["ofelia.enabled"].as<std::string>(), "true");
  EXPECT_EQ(web["deploy"]["labels"]["traefik.http.routers.web.rule"].as<std::string>(),
            "Host(`web.example.com`)");
  bool shm = false, cache = false;
  for (const auto& v : web["volumes"]) {
    shm = shm || v["target"].as<std::string>() == "/dev/shm";
    cache = cache || v["target"].as<std::string>() == "/var/cache";
  }
  EXPECT_TRUE(shm);
  EXPECT_TRUE(cache);
  EXPECT_EQ(doc["configs"][kShimConfig]["file"].as<std::string>(), "./rehome-env.sh");
  EXPECT_NE(text.find("the entrypoint of example/web:1 is not known"), std::string::npos) << text;
  auto files = stack_files(t);
  EXPECT_NE(files.at("stacks/rehome-env.sh").find("exec \"$@\""), std::string::npos);
}

TEST_F(Runtime_, KubernetesSecretKeyRefsAndHeadlessServices) {
  estate.services[3].ports.clear();  // node-exporter: no ports
  Topology t(estate, plan);
  auto files = kubernetes_manifests(t);
  auto docs = YAML::LoadAll(files.at("k8s/production/web.yaml"));
  YAML::Node deployment, service;
  for (const auto& d : docs) (d["kind"].as<std::string>() == "Service" ? service : deployment) = d;
  auto c = deployment["spec"]["template"]["spec"]["containers"][0];
  bool ref = false;
  for (const auto& e : c["env"])
    if (e["name"].as<std::string>() == "DATABASE_URL")
      ref = e["valueFrom"]["secretKeyRef"]["name"].as<std::string>() == "web-database-url";
  EXPECT_TRUE(ref);
  EXPECT_EQ(c["args"][0].as<std::string>(), "serve");
  EXPECT_EQ(c["securityContext"]["runAsUser"].as<int>(), 1000);
  EXPECT_EQ(deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"].as<int>(), 45);
  // A workload without ports still gets a name: a headless Service without a placeholder port.
  for (const auto& d : YAML::LoadAll(files.at("k8s/monitoring/node-exporter.yaml"))) {
    if (d["kind"].as<std::string>() != "Service") continue;
    EXPECT_EQ(d["spec"]["clusterIP"].as<std::string>(), "None");
    EXPECT_FALSE(d["spec"]["ports"]);
  }
  auto db_docs = YAML::LoadAll(files.at("k8s/databases/db.yaml"));
  for (const auto& d : db_docs) {
    if (d["kind"].as<std::string>() != "Service") continue;
    for (const auto& p : d["spec"]["ports"]) EXPECT_NE(p["name"].as<std::string>(), "none");
  }
}
