// The generated files on a real single-node Swarm: bootstrap.sh creates the swarm, the encrypted
// networks and the secret (value from a file, never printed), `docker stack deploy` takes the
// generated stacks, the services converge to the plan's replica counts with healthy probes, and
// `docker service inspect` shows the planned limits, reservations, constraints, health checks,
// update policy and encrypted networks.
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"
#include "generate/generate.hpp"
#include "generate/write_out.hpp"
#include "real/harness/dockerd.hpp"
#include "real/harness/probe_image.hpp"

namespace rehome::generate {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kSecretValue = "pr0be-t0ken-never-printed";

model::Service probe_service(const std::string& name, const std::string& stack, int replicas) {
  model::Service s;
  s.name = name;
  s.image = rehome::test::kProbeImage;
  s.stack = stack;
  s.replicas = replicas;
  s.resources.memory_reservation = 32 * model::MiB;
  s.resources.memory_limit = 64 * model::MiB;
  s.resources.cpu_reservation = 100;
  s.resources.cpu_limit = 500;
  s.healthcheck = model::HealthCheck{rehome::test::probe_health_command(), 2000, 2000, 1000, 3};
  s.healthcheck->test.insert(s.healthcheck->test.begin(), "CMD");
  s.ports = {{0, rehome::test::kProbePort, "tcp", "ingress"}};
  return s;
}

// One server (the engine's hostname), three probe services over two stacks.
model::Estate probe_estate() {
  model::Estate e;
  e.name = "probe-estate";
  model::Server node;
  node.name = "node1";
  node.address = "127.0.0.1";
  node.memory = 2 * model::GiB;
  node.cpu_threads = 2;
  node.role = model::SwarmRole::manager;
  e.servers = {node};
  e.managers = 1;

  auto web = probe_service("web", "production", 2);
  web.networks = {"backend"};
  web.secrets = {"probe_token"};
  auto api = probe_service("api", "production", 1);
  api.networks = {"backend", "database"};
  api.read_only_root = true;
  auto store = probe_service("store", "databases", 1);
  store.category = model::Category::database;
  store.stateful = true;
  store.networks = {"database"};
  store.volumes = {{"store-data", "/data", false, false, false}};
  e.services = {web, api, store};
  return e;
}

plan::Plan probe_plan() {
  plan::Plan p;
  p.estate_name = "probe-estate";
  p.assignments = {{"web", 0, "node1"}, {"web", 1, "node1"}, {"api", 0, "node1"}, {"store", 0, "node1"}};
  return p;
}

class SwarmDeploy : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "rehome-gen-swarm-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    out = pattern;
  }
  void TearDown() override { fs::remove_all(out); }

  // A command run the way a person runs the generated files: the docker CLI pointed at our engine.
  ProcessResult shell(const rehome::test::DockerEngine& engine, const std::vector<std::string>& argv) {
    ProcessOptions o;
    o.cwd = out;
    o.timeout = 120s;
    o.env = {{"DOCKER_HOST", engine.host()},
             {"DOCKER_CONFIG", (engine.root() / "cli").string()},
             {"SECRETS_DIR", (out / "secrets-in").string()}};
    return run_process(argv, o);
  }

  json inspect(const rehome::test::DockerEngine& engine, const std::string& service) {
    return json::parse(engine.docker_ok({"service", "inspect", service})).at(0).at("Spec");
  }

  fs::path out;
};

TEST_F(SwarmDeploy, GeneratedStacksConvergeWithThePlannedSettings) {
  rehome::test::DockerEngine engine({.name = "swarm", .own_netns = true, .hostname = "node1"});
  rehome::test::build_probe_image(engine);

  auto estate = probe_estate();
  auto files = generate_all(estate, probe_plan());
  write_output(out, files);
  write_file_atomically(out / "secrets-in" / "probe_token", kSecretValue);

  // bootstrap.sh: swarm init, networks, secrets; a second run skips everything (idempotent).
  auto boot = shell(engine, {"bash", "bootstrap.sh"});
  ASSERT_TRUE(boot.ok()) << boot.err << boot.out;
  auto again = shell(engine, {"bash", "bootstrap.sh"});
  ASSERT_TRUE(again.ok()) << again.err << again.out;
  EXPECT_NE(again.err.find("swarm already active"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("secret probe_token exists"), std::string::npos) << again.err;
  EXPECT_EQ((boot.out + boot.err + again.out + again.err).find(kSecretValue), std::string::npos);
  for (const auto& [path, text] : files) EXPECT_EQ(text.find(kSecretValue), std::string::npos) << path;

  std::string ignored;
  for (const std::string stack : {"databases", "production"}) {
    auto deploy = shell(engine, {"docker", "stack", "deploy", "--detach=true", "--resolve-image", "never",
                                 "-c", "stacks/" + stack + ".yml", stack});
    ASSERT_TRUE(deploy.ok()) << deploy.err << deploy.out;
    ignored += deploy.err;
  }
  // What the engine drops is documented in docs/generate.md; print it for the record.
  std::cout << "[ deploy   ] stack deploy warnings: " << (ignored.empty() ? "(none)" : ignored) << "\n";

  std::map<std::string, std::string> expected = {
      {"production_web", "2/2"}, {"production_api", "1/1"}, {"databases_store", "1/1"}};
  std::string listing;
  bool converged = rehome::test::wait_until(
      [&] {
        listing = engine.docker_ok({"service", "ls", "--format", "{{.Name}} {{.Replicas}}"});
        for (const auto& [name, replicas] : expected) {
          if (listing.find(name + " " + replicas) == std::string::npos) return false;
        }
        auto healthy = engine.docker_ok({"ps", "--filter", "health=healthy", "--quiet"});
        return std::count(healthy.begin(), healthy.end(), '\n') == 4;
      },
      90s, 500ms);
  std::cout << "[ swarm    ] docker service ls:\n" << engine.docker_ok({"service", "ls"});
  ASSERT_TRUE(converged) << listing << engine.docker_ok({"service", "ps", "--no-trunc", "production_web"});

  auto web = inspect(engine, "production_web");
  auto task = web.at("TaskTemplate");
  EXPECT_EQ(web.at("Mode").at("Replicated").at("Replicas"), 2);
  EXPECT_EQ(task.at("Resources").at("Limits").at("MemoryBytes"), 64 * model::MiB);
  EXPECT_EQ(task.at("Resources").at("Limits").at("NanoCPUs"), 500000000);
  EXPECT_EQ(task.at("Resources").at("Reservations").at("MemoryBytes"), 32 * model::MiB);
  EXPECT_EQ(task.at("Resources").at("Reservations").at("NanoCPUs"), 100000000);
  // Stateless: labelled on every server the plan allows (bootstrap.sh set the label), not pinned.
  EXPECT_EQ(task.at("Placement").at("Constraints").at(0), "node.labels.rehome.web == true");
  EXPECT_EQ(task.at("ContainerSpec").at("Healthcheck").at("Test").at(1), "/probe");
  EXPECT_EQ(task.at("ContainerSpec").at("Healthcheck").at("Interval"), 2000000000LL);
  EXPECT_EQ(task.at("ContainerSpec").at("Secrets").at(0).at("SecretName"), "probe_token");
  EXPECT_EQ(task.at("RestartPolicy").at("Condition"), "any");
  EXPECT_EQ(web.at("UpdateConfig").at("Parallelism"), 1);
  EXPECT_EQ(web.at("UpdateConfig").at("FailureAction"), "rollback");
  EXPECT_EQ(web.at("UpdateConfig").at("Order"), "start-first");
  EXPECT_EQ(web.at("RollbackConfig").at("Order"), "start-first");
  auto store = inspect(engine, "databases_store");
  EXPECT_EQ(store.at("UpdateConfig").at("Order"), "stop-first");
  // Local state: pinned to the node that holds its volume.
  EXPECT_EQ(store.at("TaskTemplate").at("Placement").at("Constraints").at(0), "node.hostname == node1");
  EXPECT_EQ(store.at("TaskTemplate").at("ContainerSpec").at("Mounts").at(0).at("Source"),
            "databases_store-data");
  auto api = inspect(engine, "production_api");
  EXPECT_EQ(api.at("TaskTemplate").at("ContainerSpec").value("ReadOnly", false), true);

  // Every network the services joined is the encrypted overlay bootstrap.sh made.
  for (const std::string network : {"backend", "database"}) {
    auto n = json::parse(engine.docker_ok({"network", "inspect", network})).at(0);
    EXPECT_EQ(n.at("Driver"), "overlay") << network;
    EXPECT_TRUE(n.at("Options").contains("encrypted")) << network;
    EXPECT_EQ(n.at("Internal"), network == "database") << network;
  }
  std::string web_networks = task.at("Networks").dump();
  auto backend_id =
      json::parse(engine.docker_ok({"network", "inspect", "backend"})).at(0).at("Id").get<std::string>();
  EXPECT_NE(web_networks.find(backend_id), std::string::npos) << web_networks;

  // The probe answers inside a task (its healthcheck reaches it the same way).
  auto ids =
      engine.docker_ok({"ps", "--quiet", "--filter", "label=com.docker.swarm.service.name=production_web"});
  ASSERT_FALSE(ids.empty());
  auto check = engine.docker(
      {"exec", ids.substr(0, ids.find('\n')), "/probe", "--check", "http://127.0.0.1:8080/health"});
  EXPECT_TRUE(check.ok()) << check.err;

  // What the engine kept of the security defaults, for docs/generate.md.
  std::cout << "[ security ] web ContainerSpec: CapabilityDrop="
            << task.at("ContainerSpec").value("CapabilityDrop", json()).dump()
            << " Privileges=" << task.at("ContainerSpec").value("Privileges", json()).dump() << "\n";
}

}  // namespace
}  // namespace rehome::generate
