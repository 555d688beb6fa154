// The built-in examples are valid and encode the seeds' numbers (see examples/README.md).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "common/atomic_file.hpp"
#include "model/estate_yaml.hpp"
#include "model/summary.hpp"
#include "model/validate.hpp"
#include "support/paths.hpp"

namespace rehome::model {
namespace {

EstateReading read_example(const char* relative) {
  auto path = test::example(relative);
  return read_estate(read_file(path), path.string());
}

TEST(Examples, AllAreValid) {
  for (const char* e : {"wizardsofts/estate.yaml", "gym/estate.yaml"}) {
    auto r = read_example(e);
    EXPECT_EQ(format_problems(r.problems), "") << e;
  }
}

TEST(Examples, WizardsoftsServersAreTheSeeds) {
  Estate e = default_estate();
  ASSERT_EQ(e.servers.size(), 4u);
  const Server* gmktec = e.find_server("gmktec");
  const Server* hppavilion = e.find_server("hppavilion");
  const Server* wsasus = e.find_server("wsasus");
  const Server* hpr = e.find_server("hpr");
  ASSERT_TRUE(gmktec && hppavilion && wsasus && hpr);
  EXPECT_EQ(gmktec->address, "10.0.0.84");
  EXPECT_EQ(gmktec->memory, 28 * GiB);
  EXPECT_EQ(gmktec->cpu_threads, 16);
  EXPECT_TRUE(gmktec->hints.edge);
  EXPECT_EQ(hppavilion->address, "10.0.0.80");
  EXPECT_EQ(hppavilion->memory, 31 * GiB);
  EXPECT_EQ(hppavilion->hints.uptime_days, 61);
  EXPECT_EQ(hppavilion->hints.reliability, Reliability::high);
  EXPECT_EQ(wsasus->address, "10.0.0.81");
  EXPECT_EQ(wsasus->memory, 11 * GiB);
  EXPECT_EQ(wsasus->cpu_threads, 4);
  EXPECT_EQ(hpr->address, "10.0.0.82");
  EXPECT_EQ(hpr->memory, *parse_bytes("5.7G"));
  EXPECT_EQ(hpr->role, SwarmRole::worker);
  EXPECT_TRUE(hpr->hints.weak);
  EXPECT_EQ(hpr->hints.reliability, Reliability::low);
  int managers = 0;
  for (const auto& s : e.servers) managers += s.role == SwarmRole::manager;
  EXPECT_EQ(managers, 3);
}

TEST(Examples, WizardsoftsServicesCarryTheSeedsEstimates) {
  Estate e = default_estate();
  auto memory = [&](const char* name) {
    const Service* s = e.find_service(name);
    return s ? s->resources.memory_reservation : Bytes{-1};
  };
  EXPECT_EQ(memory("gitlab"), 4 * GiB);
  EXPECT_EQ(memory("gitlab-runner"), 2 * GiB);
  EXPECT_EQ(memory("traefik"), 500 * MiB);
  EXPECT_EQ(memory("keycloak"), 1 * GiB);
  EXPECT_EQ(memory("gibd-postgres"), 3 * GiB);
  EXPECT_EQ(memory("postgres"), 2 * GiB);
  EXPECT_EQ(memory("prometheus"), 2 * GiB);
  EXPECT_EQ(memory("loki"), 2 * GiB);
  EXPECT_EQ(memory("gibd-postgres-replica"), 1536 * MiB);
  for (const char* ws : {"ws-gateway", "ws-company", "ws-trades", "ws-news", "ws-discovery"})
    EXPECT_EQ(memory(ws), 600 * MiB) << ws;
  int appwrite = 0, mailcow = 0;
  for (const auto& s : e.services) {
    appwrite += s.stack == "appwrite" && s.category != Category::database && s.category != Category::cache;
    mailcow += s.name.rfind("mailcow-", 0) == 0;
    EXPECT_FALSE(s.image.empty()) << s.name;
    EXPECT_GE(s.resources.memory_limit, s.resources.memory_reservation) << s.name;
  }
  EXPECT_EQ(appwrite, 22);  // 002: "Appwrite BaaS (22 containers)"
  EXPECT_EQ(mailcow, 18);   // 002: "Mail Server - Mailcow (18 containers)"
  ASSERT_TRUE(e.find_service("gibd-postgres-replica")->data.has_value());
  EXPECT_EQ(e.find_service("gibd-postgres-replica")->data->replica_of, "gibd-postgres");
  EXPECT_TRUE(e.find_service("gibd-postgres")->has_local_state());
  EXPECT_EQ(e.find_service("staging-ws-gateway")->tier, Tier::staging);
  EXPECT_EQ(e.find_service("dev-mongo")->tier, Tier::dev);
  EXPECT_TRUE(e.find_service("cadvisor")->global);
  EXPECT_EQ(e.backup.retention.daily, 7);
  EXPECT_EQ(e.backup.retention.weekly, 4);
  EXPECT_EQ(e.backup.retention.monthly, 6);
}

TEST(Examples, WizardsoftsFitsWithHeadroomAndTotalsRoughlyTheSeeds) {
  Estate e = default_estate();
  EstateSummary sum = summarize(e);
  EXPECT_LE(sum.total.memory, sum.memory_usable);
  EXPECT_GT(sum.total.memory, 45 * GiB);  // 002: ~15 + ~21 + ~10 + ~5 GB
  EXPECT_LT(sum.total.memory, 55 * GiB);
  EXPECT_LE(sum.total.cpu, sum.cpu_usable);
}

TEST(Examples, ProposalNamesOnlyKnownServersAndServices) {
  Estate e = default_estate();
  YAML::Node proposal = YAML::LoadFile(test::example("wizardsofts/proposal.yaml").string());
  size_t placed = 0;
  for (const auto& entry : proposal["servers"]) {
    EXPECT_NE(e.find_server(entry.first.Scalar()), nullptr) << entry.first.Scalar();
    for (const auto& svc : entry.second) {
      EXPECT_NE(e.find_service(svc.Scalar()), nullptr) << svc.Scalar();
      ++placed;
    }
  }
  size_t non_global = 0;
  for (const auto& s : e.services) non_global += !s.global;
  EXPECT_EQ(placed, non_global);
}

TEST(Examples, GymHasTheServicesOfSeed004) {
  auto r = read_example("gym/estate.yaml");
  ASSERT_TRUE(r.ok());
  for (const char* name : {"api-gateway", "auth-service", "user-service", "tournament-service",
                           "notification-service", "auth-db", "user-db", "tournament-db", "redis"})
    EXPECT_NE(r.estate.find_service(name), nullptr) << name;
  EXPECT_EQ(r.estate.find_service("api-gateway")->ports.at(0).target, 8000);
  EXPECT_EQ(r.estate.find_service("notification-service")->ports.at(0).target, 8004);
}

TEST(Summary, RendersTablesAndJson) {
  Estate e = default_estate();
  std::string text = render_summary(e);
  EXPECT_NE(text.find("hppavilion"), std::string::npos);
  EXPECT_NE(text.find("10.0.0.81"), std::string::npos);
  EXPECT_NE(text.find("after 10 % headroom"), std::string::npos);
  auto json = summary_to_json(e);
  EXPECT_EQ(json["servers"].size(), 4u);
  EXPECT_EQ(json["total"]["replicas"], e.replica_count());
  EXPECT_TRUE(json["fits"].get<bool>());
}

}  // namespace
}  // namespace rehome::model
