// Validation and the drill on what rehome generated and deployed, not on a probe image: the shop estate
// (tests/data/deploy: PostgreSQL with its volume, from the Debian-built image in the private registry,
// and the writer app) goes compose -> import -> plan -> generate -> bootstrap -> images.sh push/pull ->
// docker stack deploy on a 3-manager + 1-worker Swarm in network namespaces. Then:
//   - `rehome validate --engine` finds the stack's services, tasks and nodes with no targets file;
//   - `rehome drill --stack shop` kills the node that runs PostgreSQL and the app: the prediction (made
//     on the placement constraints Swarm enforces, which are the plan's placement policy) says
//     PostgreSQL stays down (local volume, pinned to its node) and the stateless app is rescheduled onto
//     a named surviving node in a predicted time; the app is measured back on a survivor within 2x of
//     that time and PostgreSQL stays down;
//   - a second drill kills a manager: quorum kept (2 of 3), a leader answers, each row within 2x of
//     its prediction or a named miss with its reason;
//   - both drills' evidence (kind rehome.drill) is a section of `rehome report`.
// Run under `flock /tmp/rehome-netns.lock` (fixed addresses on 198.18.0.0/24).
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>

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

constexpr const char* kPassword = "drill-db-pw-never-printed";

class StackDrill : public ::testing::Test {
 protected:
  void SetUp() override {
    project = std::make_unique<test::DeployProject>("rehome-stack-drill");
    dir = project->dir();
    fs::create_directories(dir / "evidence");
  }
  void TearDown() override { project.reset(); }

  ProcessResult rehome(std::vector<std::string> args, std::chrono::milliseconds timeout = 120s) {
    return project->rehome(std::move(args), timeout);
  }
  ProcessResult script(const test::DockerEngine& engine, const std::vector<std::string>& argv) {
    return project->script(engine, argv);
  }
  json drill(test::NetnsCluster& cluster, const std::string& fail) {
    std::string stop = "case {server} in";
    for (size_t i = 0; i < cluster.size(); ++i)
      stop += fmt::format(" {}) kill -KILL {};;", cluster.hostname(i), cluster.engine(i).pid());
    stop += " esac";
    std::vector<std::string> args = {"drill",
                                     "estate.yaml",
                                     "--stack",
                                     "shop",
                                     "--fail",
                                     fail,
                                     "--stop-command",
                                     stop,
                                     "--dispatcher-heartbeat",
                                     "2s",
                                     "--image-pull",
                                     "0s",
                                     "--timeout",
                                     "60s",
                                     "--evidence",
                                     (dir / "evidence").string(),
                                     "--json"};
    for (const auto& e : cluster.engine_flags()) args.insert(args.end(), {"--engine", e});
    auto r = rehome(args, 240s);
    std::cerr << r.err;
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.err;  // 1: a miss, named in the rows
    EXPECT_EQ((r.out + r.err).find(kPassword), std::string::npos);
    auto j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j.is_discarded() ? json::object() : j;
  }

  std::unique_ptr<test::DeployProject> project;
  fs::path dir;  // project->dir()
};

TEST_F(StackDrill, ValidateDiscoversTheStackAndTheDrillMeetsItsPrediction) {
  test::debian_image_tarball("postgres");
  test::debian_image_tarball("writer");
  test::NetnsCluster cluster(
      {.hostnames = {"node0", "node1", "node2", "node3"}, .managers = 3, .registry = true});
  auto& lead = cluster.engine(0);
  test::import_debian_image(lead, "postgres");
  test::import_debian_image(lead, "writer");
  ASSERT_EQ(test::push_to_registry(lead, cluster.registry(), "rehome/postgres:test"),
            "198.18.0.2:5000/rehome/postgres:test");

  // import -> plan -> generate -> bootstrap -> images -> stack deploy, as `rehome move` does.
  write_file_atomically(dir / "project/db_password.txt", kPassword);
  write_file_atomically(dir / "secrets/db_password", kPassword);
  for (std::vector<std::string> step :
       {std::vector<std::string>{"import", "compose", (dir / "project/compose.yml").string(), "--servers",
                                 (dir / "project/servers.yaml").string(), "--registry", cluster.registry(),
                                 "-o", "estate.yaml"},
        {"plan", "estate.yaml", "-o", "plan.yaml"},
        {"generate", "estate.yaml", "plan.yaml", "-o", "out"}}) {
    auto r = rehome(step);
    ASSERT_EQ(r.exit_code, 0) << step[0] << ": " << r.err << r.out;
  }
  for (const std::string step : {"labels", "networks", "secrets"}) {
    auto boot = script(lead, {"bash", "bootstrap.sh", step});
    ASSERT_TRUE(boot.ok()) << step << ": " << boot.err << boot.out;
  }
  auto push = script(lead, {"bash", "images.sh", "push"});
  ASSERT_TRUE(push.ok()) << push.err << push.out;
  for (size_t i = 0; i < cluster.size(); ++i)
    script(cluster.engine(i), {"bash", "images.sh", "pull", cluster.hostname(i)});
  auto deploy = script(lead, {"docker", "stack", "deploy", "-c", "stacks/shop.yml", "shop"});
  ASSERT_TRUE(deploy.ok()) << deploy.err << deploy.out;
  auto node_of = [&](const std::string& service) {
    auto r = lead.docker({"service", "ps", "--filter", "desired-state=running", "--format",
                          "{{.Node}} {{.CurrentState}}", service});
    auto line = r.out.substr(0, r.out.find('\n'));
    return line.find(" Running") == std::string::npos ? std::string() : line.substr(0, line.find(' '));
  };
  ASSERT_TRUE(
      test::wait_until([&] { return !node_of("shop_db").empty() && !node_of("shop_app").empty(); }, 120s, 1s))
      << lead.docker({"service", "ps", "--no-trunc", "shop_db", "shop_app"}).out;
  const std::string db_node = node_of("shop_db");
  std::string app_node = node_of("shop_app");
  std::cout << fmt::format("[ deployed ] shop_db on {}, shop_app on {}\n", db_node, app_node);

  // The placement policy in the stack: PostgreSQL (local volume) pinned to its node, the stateless app
  // labelled on every node, so Swarm may move it.
  auto constraints = [&](const std::string& service) {
    return lead
        .docker(
            {"service", "inspect", "--format", "{{json .Spec.TaskTemplate.Placement.Constraints}}", service})
        .out;
  };
  EXPECT_NE(constraints("shop_db").find("node.hostname == " + db_node), std::string::npos)
      << constraints("shop_db");
  EXPECT_NE(constraints("shop_app").find("node.labels.rehome.app == true"), std::string::npos)
      << constraints("shop_app");
  EXPECT_EQ(constraints("shop_app").find("node.hostname"), std::string::npos) << constraints("shop_app");

  // The plan counts the app beside its database; Swarm's spread started it on an emptier node. Put it
  // where the plan counted it by draining the other nodes for a moment (availability only: the stack's
  // constraints, which the drill reads, stay as generated), so one node loss shows both fates.
  if (app_node != db_node) {
    for (size_t i = 0; i < cluster.size(); ++i)
      if (cluster.hostname(i) != db_node)
        lead.docker_ok({"node", "update", "--availability", "drain", cluster.hostname(i)});
    EXPECT_TRUE(test::wait_until([&] { return node_of("shop_app") == db_node; }, 90s, 1s))
        << lead.docker({"service", "ps", "--no-trunc", "shop_app"}).out;
    for (size_t i = 0; i < cluster.size(); ++i)
      if (cluster.hostname(i) != db_node)
        lead.docker_ok({"node", "update", "--availability", "active", cluster.hostname(i)});
    app_node = node_of("shop_app");
    std::cout << fmt::format("[ arranged ] shop_app moved beside shop_db on {}\n", app_node);
  }
  // --image-pull 0s: every node holds the app's image, as the prediction is told.
  for (size_t i = 0; i < cluster.size(); ++i)
    cluster.engine(i).docker({"pull", cluster.registry() + "/shop/app:1"});

  // 1. Validation from the cluster itself: no targets file.
  auto v = rehome({"validate", "--engine", lead.host(), "--evidence", (dir / "evidence").string(), "--json"});
  std::cerr << v.err;
  auto validation = json::parse(v.out, nullptr, false);
  ASSERT_FALSE(validation.is_discarded()) << v.out << v.err;
  std::map<std::string, json> probes;
  for (const auto& p : validation["probes"]) probes[p["name"].get<std::string>()] = p;
  for (const std::string name : {"shop_db tasks", "shop_app tasks", "node node0", "node node3"}) {
    ASSERT_TRUE(probes.count(name)) << name << " not probed: " << validation.dump(2);
    EXPECT_EQ(probes[name]["outcome"], "Passed") << probes[name].dump();
  }
  EXPECT_NE(probes["shop_db tasks"]["reason"].get<std::string>().find("1 of 1 running on " + db_node),
            std::string::npos);
  bool skipped = false;
  for (const auto& p : validation["probes"]) skipped |= p["outcome"] == "Skipped";
  if (skipped) {
    EXPECT_NE(validation["status"], "PASSED") << "a run with skipped probes is never PASSED";
  }
  EXPECT_EQ(v.exit_code, validation["status"] == "PASSED" ? 0 : 1);
  std::cout << fmt::format("[ validate ] {} probes discovered: {} {}\n", validation["probes"].size(),
                           validation["status"].get<std::string>(), validation.value("status_reason", ""));
  EXPECT_EQ(v.out.find(kPassword), std::string::npos);

  // 2. Kill the node running PostgreSQL and the app: PostgreSQL (local volume, pinned by the generated
  // stack) stays down; the stateless app is rescheduled onto a surviving node within 2x of the prediction.
  auto stateful = drill(cluster, db_node);
  std::cerr << stateful.dump(2) << "\n";
  ASSERT_TRUE(stateful.contains("services"));
  EXPECT_EQ(stateful["kind"], "rehome.drill");
  EXPECT_TRUE(stateful["quorum"]["has_quorum"].get<bool>());
  EXPECT_GE(stateful["leader_ms"].get<long>(), 0) << "a surviving manager never answered with a leader";
  EXPECT_EQ(stateful["misses"], 0) << stateful.dump(2);
  bool saw_db = false, saw_app = false;
  for (const auto& s : stateful["services"]) {
    std::cout << fmt::format("[ drill    ] {}: predicted {} ({} ms), measured {} ms on {}: {}\n",
                             s["service"].get<std::string>(), s["predicted"].get<std::string>(),
                             s["predicted_ms"].get<long>(), s["measured_ms"].get<long>(),
                             s.value("measured_on", ""), s["why"].get<std::string>());
    if (s["miss"].get<bool>()) {
      EXPECT_FALSE(s["why"].get<std::string>().empty()) << s.dump();
    } else {
      EXPECT_TRUE(s["verdict"] == "within" || s["verdict"] == "stayed_down") << s.dump();
    }
    if (s["service"] == "app" && app_node == db_node) {
      saw_app = true;
      EXPECT_EQ(s["verdict"], "within") << s.dump();
      EXPECT_GT(s["predicted_ms"].get<long>(), 0) << s.dump();
      EXPECT_GT(s["measured_ms"].get<long>(), 0) << s.dump();
      const std::string on = s.value("measured_on", "");
      EXPECT_FALSE(on.empty()) << s.dump();
      EXPECT_EQ(on.find(db_node), std::string::npos) << "back on the dead node? " << s.dump();
      const std::string predicted = s["predicted"];
      EXPECT_EQ(predicted.find("stays down"), std::string::npos) << predicted;
    }
    if (s["service"] == "db") {
      saw_db = true;
      EXPECT_EQ(s["verdict"], "stayed_down") << s.dump();
      EXPECT_LT(s["predicted_ms"].get<long>(), 0) << s.dump();
      EXPECT_LT(s["measured_ms"].get<long>(), 0) << "PostgreSQL came back elsewhere: " << s.dump();
      const std::string predicted = s["predicted"];
      EXPECT_NE(predicted.find("state on local volume"), std::string::npos) << predicted;
      EXPECT_NE(predicted.find("pinned there"), std::string::npos) << predicted;
    }
  }
  EXPECT_TRUE(saw_db) << "the drill did not count PostgreSQL as affected";
  EXPECT_TRUE(saw_app) << "the app was not on PostgreSQL's node (" << app_node << "), or not counted";

  // 3. A manager loss that keeps quorum: 2 of 3 managers when one more goes (never the second one).
  size_t db_index = 0;
  for (size_t i = 0; i < cluster.size(); ++i)
    if (cluster.hostname(i) == db_node) db_index = i;
  std::string manager;
  if (!cluster.is_manager(db_index)) {
    for (size_t i = 0; i < cluster.size() && manager.empty(); ++i)
      if (cluster.is_manager(i) && cluster.hostname(i) != db_node) manager = cluster.hostname(i);
    auto lost = drill(cluster, manager);
    std::cerr << lost.dump(2) << "\n";
    ASSERT_TRUE(lost.contains("quorum"));
    EXPECT_TRUE(lost["quorum"]["has_quorum"].get<bool>());
    EXPECT_EQ(lost["quorum"]["alive"], 2);
    EXPECT_FALSE(lost["quorum_refused"].get<bool>()) << lost["quorum_message"];
    EXPECT_GE(lost["leader_ms"].get<long>(), 0);
    for (const auto& s : lost["services"])
      if (s["miss"].get<bool>()) {
        EXPECT_FALSE(s["why"].get<std::string>().empty()) << s.dump();
      }
  } else {
    EXPECT_EQ(stateful["quorum"]["alive"], 2)
        << "the database's node was a manager: that was the manager loss";
  }

  // 4. The report carries both drills.
  auto report = rehome({"report", "estate.yaml", "plan.yaml", "--evidence", (dir / "evidence").string(),
                        "--markdown", "report.md", "-o", "report.html"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const std::string md = read_file(dir / "report.md");
  EXPECT_NE(md.find("## Drill"), std::string::npos);
  EXPECT_NE(md.find(db_node + " down (stack shop)"), std::string::npos) << md;
  if (!manager.empty()) {
    EXPECT_NE(md.find(manager + " down (stack shop)"), std::string::npos) << md;
  }
  EXPECT_NE(read_file(dir / "report.html").find("<section id=\"drill\">"), std::string::npos);
  std::cout << md.substr(md.find("## Drill"), md.find("## Migration") - md.find("## Drill"));
  cluster.teardown();
}

}  // namespace
}  // namespace rehome
