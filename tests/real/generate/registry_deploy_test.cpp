// What `rehome generate` writes, deployed on a real multi-node Swarm (3 managers + 1 worker, each
// dockerd in its own network namespace) that pulls from a private registry (Debian's docker-registry
// on the test network), with real images built from Debian packages (tests/images):
//   compose file (tests/data/deploy) -> rehome import compose -> plan -> generate -> bootstrap.sh
//   (networks, secret) -> images.sh push (the app is built locally) -> images.sh pull on every node
//   -> docker stack deploy.
// Then: every task got its image from the registry; the app reaches PostgreSQL through the overlay by
// service name with the password from a Swarm secret (*_FILE) and its acknowledged rows are read back;
// PostgreSQL runs under the generated default hardening; its loopback-only port is unreachable from
// another namespace. Run under `flock /tmp/rehome-netns.lock` (fixed addresses on 198.18.0.0/24).
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"
#include "real/harness/debian_image.hpp"
#include "real/harness/deploy_project.hpp"
#include "real/harness/netns_cluster.hpp"
#include "real/harness/registry.hpp"
#include "support/paths.hpp"

namespace rehome {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kPassword = "sh0p-db-pw-never-printed";
constexpr int kLoopbackPort = 15432;  // tests/data/deploy/compose.yml: "127.0.0.1:15432:5432"

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class RegistryDeploy : public ::testing::Test {
 protected:
  void SetUp() override {
    project = std::make_unique<test::DeployProject>("rehome-deploy");
    dir = project->dir();
  }
  void TearDown() override { project.reset(); }

  ProcessResult rehome(std::vector<std::string> args) { return project->rehome(std::move(args)); }
  // A generated script run the way a person runs it: the docker CLI pointed at one engine.
  ProcessResult script(const test::DockerEngine& engine, const std::vector<std::string>& argv) {
    return project->script(engine, argv);
  }
  // TCP connect from inside a namespace (bash's /dev/tcp, 3 s at most): true when it was accepted.
  static bool connects(const std::string& netns, const std::string& address, int port) {
    auto r = run_process({"nsenter", "--net=/var/run/netns/" + netns, "--", "timeout", "3", "bash", "-c",
                          fmt::format("exec 3<>/dev/tcp/{}/{}", address, port)},
                         {.timeout = 10s});
    return r.ok();
  }

  std::unique_ptr<test::DeployProject> project;
  fs::path dir;  // project->dir()
};

TEST_F(RegistryDeploy, GeneratedStackPullsFromTheRegistryAndTheAppWritesToItsDatabase) {
  const auto started = std::chrono::steady_clock::now();
  // The images first (minutes on a machine that never built them, then cached), so the Swarm's own
  // timeouts never include a package download.
  test::debian_image_tarball("postgres");
  test::debian_image_tarball("writer");
  std::cout << fmt::format("[ images   ] tarballs ready in {:.1f} s\n", seconds_since(started));

  test::NetnsCluster cluster(
      {.hostnames = {"node0", "node1", "node2", "node3"}, .managers = 3, .registry = true});
  auto& lead = cluster.engine(0);
  std::cout << fmt::format("[ cluster  ] 3 managers + 1 worker + registry {} at {:.1f} s\n",
                           cluster.registry(), seconds_since(started));
  // PostgreSQL is "published" like any upstream image: pushed once to the registry. The writer base
  // stays on node0 only: the app built FROM it must reach the other nodes through the registry.
  test::import_debian_image(lead, "postgres");
  test::import_debian_image(lead, "writer");
  const std::string pg_ref = test::push_to_registry(lead, cluster.registry(), "rehome/postgres:test");
  ASSERT_EQ(pg_ref, "198.18.0.2:5000/rehome/postgres:test");  // the reference the compose file names
  std::cout << fmt::format("[ registry ] postgres imported and pushed at {:.1f} s\n", seconds_since(started));

  // import -> plan -> generate, as a person runs them.
  write_file_atomically(dir / "project/db_password.txt", kPassword);
  write_file_atomically(dir / "secrets/db_password", kPassword);
  std::string outputs;
  auto imported = rehome({"import", "compose", (dir / "project/compose.yml").string(), "--servers",
                          (dir / "project/servers.yaml").string(), "--registry", cluster.registry(), "-o",
                          "estate.yaml"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err << imported.out;
  auto planned = rehome({"plan", "estate.yaml", "-o", "plan.yaml"});
  ASSERT_EQ(planned.exit_code, 0) << planned.err << planned.out;
  auto generated = rehome({"generate", "estate.yaml", "plan.yaml", "-o", "out"});
  ASSERT_EQ(generated.exit_code, 0) << generated.err << generated.out;
  outputs += imported.out + imported.err + planned.out + planned.err + generated.out + generated.err;
  const std::string stack = read_file(dir / "out/stacks/shop.yml");
  EXPECT_NE(stack.find("image: 198.18.0.2:5000/shop/app:1"), std::string::npos) << stack;
  for (const auto& e : fs::recursive_directory_iterator(dir / "out")) {
    if (e.is_regular_file()) {
      EXPECT_EQ(read_file(e.path()).find(kPassword), std::string::npos) << e.path() << " holds the password";
    }
  }
  EXPECT_EQ(read_file(dir / "estate.yaml").find(kPassword), std::string::npos);

  // bootstrap.sh on the first manager: labels, networks, the secret (the Swarm exists already).
  for (const std::string step : {"labels", "networks", "secrets"}) {
    auto boot = script(lead, {"bash", "bootstrap.sh", step});
    ASSERT_TRUE(boot.ok()) << step << ": " << boot.err << boot.out;
    outputs += boot.out + boot.err;
  }
  // The registry step: the app is built on node0 and pushed; then every node pulls what it will run.
  auto push = script(lead, {"bash", "images.sh", "push"});
  ASSERT_TRUE(push.ok()) << push.err << push.out;
  outputs += push.out + push.err;
  EXPECT_EQ(cluster.image_registry().catalog(), (std::vector<std::string>{"rehome/postgres", "shop/app"}));
  for (size_t i = 0; i < cluster.size(); ++i) {
    auto pull = script(cluster.engine(i), {"bash", "images.sh", "pull", cluster.hostname(i)});
    EXPECT_TRUE(pull.ok()) << cluster.hostname(i) << ": " << pull.err << pull.out;
    auto listed = script(cluster.engine(i), {"bash", "images.sh", "list", cluster.hostname(i)});
    std::istringstream refs(listed.out);
    for (std::string ref; std::getline(refs, ref);)
      EXPECT_TRUE(cluster.engine(i).docker({"image", "inspect", ref}).ok())
          << cluster.hostname(i) << " lacks " << ref;
  }
  // A node that does not have an image and cannot pull it is named, with the image.
  auto missing =
      script(cluster.engine(3), {"bash", "-c", "docker pull --quiet 198.18.0.2:5000/shop/nothing:1"});
  EXPECT_FALSE(missing.ok());
  std::cout << fmt::format("[ registry ] app built and pushed, every node pulled its images at {:.1f} s\n",
                           seconds_since(started));

  auto deploy =
      script(lead, {"docker", "stack", "deploy", "--with-registry-auth", "-c", "stacks/shop.yml", "shop"});
  ASSERT_TRUE(deploy.ok()) << deploy.err << deploy.out;
  // Every service gets a container from the registry's image: the database on the node the plan chose
  // (pinned with its volume), the stateless app on a node its label allows, which pulls it from the
  // registry if it is not the plan's. A task that cannot pull sits in "preparing" or is rejected with
  // "No such image".
  auto tasks = [&](const std::string& service) {
    return lead
        .docker(
            {"service", "ps", "--no-trunc", "--format", "{{.Node}}|{{.CurrentState}}|{{.Error}}", service})
        .out;
  };
  bool started_containers = test::wait_until(
      [&] {
        for (const std::string service : {"shop_db", "shop_app"}) {
          auto t = tasks(service);
          if (t.find("|Running") == std::string::npos && t.find("non-zero exit") == std::string::npos)
            return false;
        }
        return true;
      },
      120s, 1s);
  for (const std::string service : {"shop_db", "shop_app"}) {
    auto t = tasks(service);
    EXPECT_EQ(t.find("No such image"), std::string::npos) << service << ":\n" << t;
    EXPECT_EQ(t.find("manifest unknown"), std::string::npos) << service << ":\n" << t;
  }
  ASSERT_TRUE(started_containers) << "shop_db:\n" << tasks("shop_db") << "shop_app:\n" << tasks("shop_app");
  std::cout << fmt::format("[ deploy   ] both services have containers at {:.1f} s\n",
                           seconds_since(started));
  EXPECT_EQ(outputs.find(kPassword), std::string::npos) << "a command printed the password";

  // The password reaches both services as a Swarm secret, read through the *_FILE convention.
  EXPECT_NE(stack.find("POSTGRES_PASSWORD_FILE: /run/secrets/db_password"), std::string::npos) << stack;
  EXPECT_NE(stack.find("PGPASSWORD_FILE: /run/secrets/db_password"), std::string::npos) << stack;
  for (const std::string service : {"shop_db", "shop_app"}) {
    auto secrets = json::parse(lead.docker_ok({"service", "inspect", service}))
                       .at(0)
                       .at("Spec")
                       .at("TaskTemplate")
                       .at("ContainerSpec")
                       .value("Secrets", json::array());
    EXPECT_NE(secrets.dump().find("\"SecretName\":\"db_password\""), std::string::npos)
        << service << ": " << secrets.dump();
  }

  auto app_logs = [&] {
    auto r = lead.docker({"service", "logs", "--raw", "shop_app"});
    return r.out + r.err;
  };
  auto last_ack = [&] {
    auto text = app_logs();
    long last = 0;
    for (size_t at = text.find("ack pg "); at != std::string::npos; at = text.find("ack pg ", at + 1))
      last = std::max(last, std::stol(text.substr(at + 7, 20)));
    return last;
  };
  // The port compose published on 127.0.0.1 only is not on the routing mesh, and no namespace reaches it.
  auto ports =
      json::parse(lead.docker_ok({"service", "inspect", "shop_db"})).at(0).value("Endpoint", json::object());
  EXPECT_EQ(ports.value("Ports", json::array()).dump().find(std::to_string(kLoopbackPort)), std::string::npos)
      << ports.dump();
  const std::string from = cluster.netns(3);
  EXPECT_TRUE(connects(from, cluster.address(0), 2377)) << "control: the Swarm port answers from node3";
  for (size_t i = 0; i < cluster.size(); ++i)
    EXPECT_FALSE(connects(from, cluster.address(i), kLoopbackPort))
        << cluster.hostname(i) << ":" << kLoopbackPort;

  bool writing = test::wait_until([&] { return last_ack() >= 5; }, 180s, 1s);
  // The app reaches "db" by name through the overlay: the database publishes nothing on the mesh, so
  // the stack gives it dnsrr and the name is its task's overlay address (this kernel has no ip_vs,
  // so a Swarm VIP would time out; docs/generate.md).
  ASSERT_TRUE(writing) << "the app acknowledged no rows in 180 s:\n" << app_logs();
  std::cout << fmt::format("[ app      ] {} rows acknowledged at {:.1f} s\n", last_ack(),
                           seconds_since(started));

  // Read the rows back inside the database's container, on the node Swarm runs it on.
  std::string db_node = trim(lead.docker_ok(
      {"service", "ps", "--filter", "desired-state=running", "--format", "{{.Node}}", "shop_db"}));
  size_t db_index = cluster.size();
  for (size_t i = 0; i < cluster.size(); ++i)
    if (cluster.hostname(i) == db_node) db_index = i;
  ASSERT_LT(db_index, cluster.size()) << db_node;
  auto& db_engine = cluster.engine(db_index);
  std::string container =
      trim(db_engine.docker_ok({"ps", "--quiet", "--filter", "label=com.docker.swarm.service.name=shop_db"}));
  ASSERT_FALSE(container.empty());
  const long acked = last_ack();
  auto rows = db_engine.docker_ok(
      {"exec", container, "psql", "-U", "postgres", "-d", "app", "-Atc",
       fmt::format("select count(*) from rehome_writes where writer = 'app' and n <= {}", acked)});
  EXPECT_EQ(trim(rows), std::to_string(acked));

  // The database runs under the generated default hardening, unchanged (no hand edit of the stack).
  auto spec = json::parse(lead.docker_ok({"service", "inspect", "shop_db"})).at(0).at("Spec");
  auto container_spec = spec.at("TaskTemplate").at("ContainerSpec");
  EXPECT_EQ(spec.value("EndpointSpec", json::object()).value("Mode", ""), "dnsrr") << spec.dump();
  std::cout << "[ security ] shop_db CapabilityDrop=" << container_spec.value("CapabilityDrop", json()).dump()
            << " CapabilityAdd=" << container_spec.value("CapabilityAdd", json()).dump() << "\n";
  EXPECT_EQ(trim(db_engine.docker_ok({"inspect", "--format", "{{.State.Status}}", container})), "running");

  std::cout << fmt::format("[ done     ] in {:.1f} s\n", seconds_since(started));
}

}  // namespace
}  // namespace rehome
