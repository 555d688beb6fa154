// estate.yaml reading: short and long forms, defaults, syntax errors with their line.
#include <gtest/gtest.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "estate_text.hpp"
#include "model/estate_yaml.hpp"
#include "support/paths.hpp"

namespace rehome::model {
namespace {

using test_text::read;
using test_text::with_services;

TEST(Parser, ReadsServersWithHints) {
  Estate e = parse_estate(
      "name: x\n"
      "headroom: 15%\n"
      "managers: 1\n"
      "servers:\n"
      "  a: {address: 10.9.9.1, memory: 5.7G, cpu: 8, cpu_model: i7, disk: 913G, role: manager, edge: true,\n"
      "      weak: true, reliability: low, uptime_days: 3, note: old, labels: {disk: hdd}}\n"
      "services:\n"
      "  web: {image: nginx, memory: 64M}\n",
      "x.yaml");
  ASSERT_EQ(e.servers.size(), 1u);
  const Server& s = e.servers[0];
  EXPECT_EQ(s.address, "10.9.9.1");
  EXPECT_EQ(s.memory, *parse_bytes("5.7G"));
  EXPECT_EQ(s.cpu_threads, 8);
  EXPECT_EQ(s.disk, 913 * GiB);
  EXPECT_EQ(s.role, SwarmRole::manager);
  EXPECT_TRUE(s.hints.edge);
  EXPECT_TRUE(s.hints.weak);
  EXPECT_EQ(s.hints.reliability, Reliability::low);
  EXPECT_EQ(s.hints.uptime_days, 3);
  EXPECT_EQ(s.labels.at("disk"), "hdd");
  EXPECT_EQ(s.where.line, 5);
  EXPECT_DOUBLE_EQ(e.headroom, 0.15);
  EXPECT_EQ(e.managers, 1);
}

TEST(Parser, ServiceShortForms) {
  auto r = read(with_services(
      "  db:\n"
      "    image: postgres:16\n"
      "    memory: 3G\n"
      "    limit: 4G\n"
      "    cpu: 1.5\n"
      "    cpu_limit: 2000m\n"
      "    ports: [\"5432\", \"8080:80\", \"53:53/udp\", {published: 9000, target: 9000, mode: host}]\n"
      "    volumes: [\"db-data:/var/lib/postgresql/data\", \"/etc/conf:/etc/conf:ro\",\n"
      "              {name: shared-data, target: /srv, shared: true}]\n"
      "    healthcheck: {test: pg_isready, interval: 10s, timeout: 5s, start_period: 1m, retries: 5}\n"
      "    networks: backend\n"
      "    data: {databases: [gibd]}\n"));
  ASSERT_TRUE(r.ok()) << format_problems(r.problems);
  const Service& s = r.estate.services.at(0);
  EXPECT_EQ(s.resources.memory_reservation, 3 * GiB);
  EXPECT_EQ(s.resources.memory_limit, 4 * GiB);
  EXPECT_EQ(s.resources.cpu_reservation, 1500);
  EXPECT_EQ(s.resources.cpu_limit, 2000);
  EXPECT_FALSE(s.resources.estimated);
  ASSERT_EQ(s.ports.size(), 4u);
  EXPECT_EQ(s.ports[0].published, 0);
  EXPECT_EQ(s.ports[0].target, 5432);
  EXPECT_EQ(s.ports[1].published, 8080);
  EXPECT_EQ(s.ports[1].target, 80);
  EXPECT_EQ(s.ports[2].protocol, "udp");
  EXPECT_EQ(s.ports[3].mode, "host");
  ASSERT_EQ(s.volumes.size(), 3u);
  EXPECT_FALSE(s.volumes[0].bind);
  EXPECT_TRUE(s.volumes[1].bind);
  EXPECT_TRUE(s.volumes[1].read_only);
  EXPECT_TRUE(s.volumes[2].shared);
  ASSERT_TRUE(s.healthcheck.has_value());
  EXPECT_EQ(s.healthcheck->test, (std::vector<std::string>{"CMD-SHELL", "pg_isready"}));
  EXPECT_EQ(s.healthcheck->start_period, 60000);
  EXPECT_EQ(s.healthcheck->retries, 5);
  EXPECT_EQ(s.networks, std::vector<std::string>{"backend"});
  ASSERT_TRUE(s.data.has_value());
  EXPECT_EQ(s.data->engine, "postgres");  // guessed from the image
  EXPECT_TRUE(s.stateful);                // data implies state
  EXPECT_EQ(s.category, Category::database);
  EXPECT_TRUE(s.category_guessed);
  EXPECT_TRUE(s.has_local_state());
  EXPECT_EQ(s.where.line, 15);
}

TEST(Parser, LongFormsOfMemoryAndCpu) {
  auto r =
      read(with_services("  a: {memory: {reservation: 1G, limit: 2G}, cpu: {reservation: 0.5, limit: 1}}\n"));
  ASSERT_TRUE(r.ok()) << format_problems(r.problems);
  const Resources& res = r.estate.services[0].resources;
  EXPECT_EQ(res.memory_reservation, GiB);
  EXPECT_EQ(res.memory_limit, 2 * GiB);
  EXPECT_EQ(res.cpu_reservation, 500);
  EXPECT_EQ(res.cpu_limit, 1000);
}

TEST(Parser, DefaultsForOmittedFields) {
  auto r = read(with_services("  cache: {image: redis:7}\n  thing: {}\n"));
  ASSERT_TRUE(r.ok()) << format_problems(r.problems);
  const Service& cache = r.estate.services[0];
  EXPECT_EQ(cache.category, Category::cache);
  EXPECT_TRUE(cache.resources.estimated);
  EXPECT_GT(cache.resources.memory_reservation, 0);
  EXPECT_EQ(cache.replicas, 1);
  EXPECT_EQ(cache.tier, Tier::production);
  EXPECT_EQ(r.estate.services[1].category, Category::app);
  EXPECT_DOUBLE_EQ(r.estate.headroom, 0.10);
}

// A hand-written service without `category:` is guessed with the importers' table (model/defaults.cpp):
// from the image repository (registry host and tag stripped), then the name; APIs in front of a
// database are apps (issue 18) and a database's backup job is a backup.
TEST(Parser, GuessesCategoryAndEngineLikeTheImporters) {
  auto r =
      read(with_services("  rest: {image: postgrest/postgrest:v12.0.2, data: {}}\n"
                         "  db: {image: postgres:16, data: {}}\n"
                         "  web: {image: nginx:1.25}\n"
                         "  shop: {image: registry.gitlab.com/acme/shop:1}\n"
                         "  pgbackup: {image: prodrigestivill/postgres-backup-local}\n"
                         "  logs: {image: grafana/loki:2.9}\n"
                         "  postgres: {image: acme/custom-db, data: {}}\n"));
  ASSERT_TRUE(r.ok()) << format_problems(r.problems);
  auto category = [&](const char* name) { return r.estate.find_service(name)->category; };
  auto engine = [&](const char* name) { return r.estate.find_service(name)->data->engine; };
  EXPECT_EQ(category("rest"), Category::app);
  EXPECT_EQ(engine("rest"), "");
  EXPECT_EQ(category("db"), Category::database);
  EXPECT_EQ(engine("db"), "postgres");
  EXPECT_EQ(category("web"), Category::frontend);
  EXPECT_EQ(category("shop"), Category::app);  // "gitlab" in the registry host says nothing
  EXPECT_EQ(category("pgbackup"), Category::backup);
  EXPECT_EQ(category("logs"), Category::logging);
  EXPECT_EQ(category("postgres"), Category::database);  // from the name when the image says nothing
  EXPECT_EQ(engine("postgres"), "postgres");
  EXPECT_TRUE(r.estate.find_service("web")->category_guessed);
}

TEST(Parser, OnlyALimitReservesTheLimit) {
  auto r = read(with_services("  a: {limit: 768M}\n"));
  ASSERT_TRUE(r.ok()) << format_problems(r.problems);
  EXPECT_EQ(r.estate.services[0].resources.memory_reservation, 768 * MiB);
  EXPECT_FALSE(r.estate.services[0].resources.estimated);
}

TEST(Parser, PlacementAndBackup) {
  auto r = read(
      "servers: {a: {memory: 8G, cpu: 4, role: manager}, b: {memory: 8G, cpu: 4}}\n"
      "services:\n"
      "  web: {memory: 1G, replicas: 3, placement: {pin: [a, b], max_per_node: 2, anti_affinity: [web],"
      " labels: {disk: ssd}, affinity: [api]}}\n"
      "  api: {memory: 1G, volumes: [\"api-data:/data\"]}\n"
      "backup:\n"
      "  schedule: \"03:30\"\n"
      "  retention: {daily: 7, weekly: 4, monthly: 6, yearly: 1}\n"
      "  targets: [{name: nas, kind: local, medium: nas, location: /mnt/b}]\n"
      "  volumes: [api-data]\n"
      "  git_mirrors: [repo]\n"
      "  mirror_remote: github.com/x\n");
  ASSERT_TRUE(r.ok()) << format_problems(r.problems);
  const Placement& p = r.estate.services[0].placement;
  EXPECT_EQ(p.pin, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(p.max_replicas_per_node, 2);
  EXPECT_EQ(p.labels.at("disk"), "ssd");
  EXPECT_EQ(r.estate.backup.schedule, "03:30");
  EXPECT_EQ(r.estate.backup.retention.yearly, 1);
  EXPECT_EQ(r.estate.backup.targets.at(0).medium, "nas");
  EXPECT_EQ(r.estate.backup.git_mirrors.at(0), "repo");
}

TEST(Parser, SyntaxErrorNamesTheLine) {
  auto r = read("servers:\n  a: {memory: 8G\n  b: [\n");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].where.file, "estate.yaml");
  EXPECT_GT(r.problems[0].where.line, 1);
  EXPECT_NE(r.problems[0].message.find("YAML syntax error"), std::string::npos);
}

TEST(Parser, ParseEstateThrowsUserErrorListingEveryProblem) {
  try {
    parse_estate(with_services("  a: {memory: 4X}\n  b: {memroy: 1G}\n"), "estate.yaml");
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    std::string what = e.what();
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(what.find("estate.yaml:15:"), std::string::npos) << what;
    EXPECT_NE(what.find("services.a.memory"), std::string::npos) << what;
    EXPECT_NE(what.find("estate.yaml:16:"), std::string::npos) << what;
    EXPECT_NE(what.find("did you mean `memory`?"), std::string::npos) << what;
    EXPECT_NE(what.find("2 problems"), std::string::npos) << what;
  }
}

TEST(Parser, AProposalGivenAsEstateIsNamedAsSuch) {
  auto r = read(read_file(test::example("wizardsofts/proposal.yaml")));
  ASSERT_EQ(r.problems.size(), 1u) << format_problems(r.problems);
  EXPECT_NE(r.problems[0].message.find("not an estate"), std::string::npos);
}

TEST(Parser, LoadEstateNamesAMissingFile) {
  EXPECT_THROW(load_estate("/nonexistent/estate.yaml"), UserError);
}

TEST(Parser, EmptyFileIsAProblem) {
  auto r = read("");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.problems[0].message.find("empty"), std::string::npos);
}

TEST(Parser, DefaultEstateIsTheWizardsoftsExample) {
  Estate e = default_estate();
  EXPECT_EQ(e.name, "wizardsofts");
  EXPECT_EQ(e.servers.size(), 4u);
}

}  // namespace
}  // namespace rehome::model

namespace rehome::model {
namespace {

TEST(Parser, YamlAnchorsAndMergeKeys) {
  auto r =
      test_text::read(test_text::with_services("  worker-a: &worker {image: \"appwrite/appwrite:1.5.7\", "
                                               "memory: 170M, limit: 256M, networks: [backend]}\n"
                                               "  worker-b:\n"
                                               "    <<: *worker\n"
                                               "    memory: 200M\n"
                                               "  worker-c: {<<: [*worker], replicas: 2}\n"));
  ASSERT_TRUE(r.ok()) << format_problems(r.problems);
  ASSERT_EQ(r.estate.services.size(), 3u);
  const Service& b = r.estate.services[1];
  EXPECT_EQ(b.image, "appwrite/appwrite:1.5.7");
  EXPECT_EQ(b.resources.memory_reservation, 200 * MiB);  // its own value wins over the merged one
  EXPECT_EQ(b.resources.memory_limit, 256 * MiB);
  EXPECT_EQ(b.networks, std::vector<std::string>{"backend"});
  EXPECT_EQ(r.estate.services[2].replicas, 2);
  EXPECT_EQ(r.estate.services[2].resources.memory_reservation, 170 * MiB);
}

TEST(Parser, MergeKeyOfAScalarIsAProblem) {
  auto r = test_text::read(test_text::with_services("  a: {<<: oops, memory: 1G}\n"));
  ASSERT_EQ(r.problems.size(), 1u) << format_problems(r.problems);
  EXPECT_EQ(r.problems[0].where.line, 15);
}

}  // namespace
}  // namespace rehome::model
