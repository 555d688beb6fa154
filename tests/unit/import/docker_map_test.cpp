// The live-engine mapping against answers recorded from a real dockerd (tests/data/compose/engine/,
// refreshed by REHOME_RECORD_SNAPSHOT=<path> real_import), and the stats arithmetic on small samples.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/atomic_file.hpp"
#include "import/docker_map.hpp"
#include "support/paths.hpp"

using namespace rehome;
using namespace rehome::import;
using model::MiB;
using nlohmann::json;

namespace {

EngineSnapshot recorded() {
  auto j = json::parse(read_file(test::source_dir() / "tests/data/compose/engine/snapshot.json"));
  EngineSnapshot s;
  s.version = j["version"];
  s.info = j["info"];
  for (const auto& c : j["containers"]) s.containers.push_back(c);
  for (auto it = j["stats"].begin(); it != j["stats"].end(); ++it)
    s.stats[it.key()] = it->get<std::vector<json>>();
  for (auto it = j["volumes"].begin(); it != j["volumes"].end(); ++it) s.volumes[it.key()] = *it;
  for (auto it = j["networks"].begin(); it != j["networks"].end(); ++it) s.networks[it.key()] = *it;
  return s;
}

const model::Service& find(const ImportResult& r, const std::string& name) {
  const auto* s = r.estate.find_service(name);
  if (!s) throw std::runtime_error("no service " + name);
  return *s;
}

}  // namespace

TEST(DockerMap, RecordedEngineBecomesServices) {
  auto r = map_engine(recorded());
  ASSERT_EQ(r.estate.services.size(), 3u);
  ASSERT_EQ(r.estate.servers.size(), 1u);
  EXPECT_GT(r.estate.servers[0].memory, 0);
  EXPECT_GT(r.estate.servers[0].cpu_threads, 0);

  const auto& web = find(r, "web");  // two containers with the same compose labels
  EXPECT_EQ(web.replicas, 2);
  EXPECT_EQ(web.stack, "shop");
  EXPECT_EQ(web.resources.memory_limit, 64 * MiB);
  EXPECT_EQ(web.resources.cpu_limit, 500);
  EXPECT_TRUE(web.resources.measured);
  EXPECT_LE(web.resources.memory_reservation, 64 * MiB);
  EXPECT_EQ(web.restart, "any");
  EXPECT_THAT(web.networks, ::testing::ElementsAre("shop-backend"));
  ASSERT_TRUE(web.healthcheck);
  EXPECT_EQ(web.healthcheck->interval, 2000);
  EXPECT_EQ(web.healthcheck->retries, 3);

  const auto& db = find(r, "db");
  EXPECT_EQ(db.category, model::Category::database);  // the rehome.category label
  EXPECT_FALSE(db.category_guessed);
  EXPECT_EQ(db.restart, "on-failure");
  ASSERT_EQ(db.volumes.size(), 1u);
  EXPECT_EQ(db.volumes[0].name, "shop-data");
  EXPECT_EQ(db.volumes[0].target, "/var/lib/data");
  EXPECT_FALSE(db.volumes[0].shared);
  EXPECT_TRUE(db.has_local_state());
  // The probe held 48 MiB: 1.25 x that, rounded to a MiB, within the 128 MiB limit.
  EXPECT_GE(db.resources.memory_reservation, 60 * MiB);
  EXPECT_LE(db.resources.memory_reservation, 70 * MiB);

  const auto& loose = find(r, "loose");  // no compose labels: the container name
  EXPECT_EQ(loose.stack, "default");
  EXPECT_EQ(loose.resources.memory_limit, 0);
  EXPECT_TRUE(loose.resources.measured);
  EXPECT_EQ(loose.healthcheck->interval, 5000);
  int flagged = 0;
  for (const auto& n : r.notes) flagged += n.what.find("no memory limit") != std::string::npos;
  EXPECT_EQ(flagged, 1);

  std::string printed = render_summary(r) + summary_json(r).dump();
  EXPECT_EQ(printed.find("pw-never-shown"), std::string::npos);
}

TEST(DockerMap, WithoutSamplesLimitsOrDefaults) {
  auto snap = recorded();
  snap.stats.clear();
  auto r = map_engine(snap);
  EXPECT_EQ(find(r, "web").resources.memory_reservation, 64 * MiB);  // the limit
  EXPECT_FALSE(find(r, "web").resources.measured);
  const auto& loose = find(r, "loose");
  EXPECT_TRUE(loose.resources.estimated);
  EXPECT_EQ(loose.resources.memory_reservation, 256 * MiB);  // the app default
}

TEST(DockerStats, MemoryMinusCacheOnCgroupV1AndV2) {
  EXPECT_EQ(memory_in_use(json{{"memory_stats", {{"usage", 100}, {"stats", {{"inactive_file", 30}}}}}}), 70);
  EXPECT_EQ(memory_in_use(json{{"memory_stats", {{"usage", 100}, {"stats", {{"total_inactive_file", 40}}}}}}),
            60);
  EXPECT_EQ(memory_in_use(json{{"memory_stats", {{"usage", 100}, {"stats", {{"cache", 150}}}}}}), 100);
  EXPECT_FALSE(memory_in_use(json{{"memory_stats", json::object()}}));
  EXPECT_FALSE(memory_in_use(json::object()));
}

TEST(DockerStats, CpuFromDeltas) {
  auto sample = [](std::int64_t total, std::int64_t system, int cpus) {
    return json{
        {"cpu_stats",
         {{"cpu_usage", {{"total_usage", total}}}, {"system_cpu_usage", system}, {"online_cpus", cpus}}}};
  };
  // The system counter advances for all CPUs together: 250/1000 of it x 4 CPUs = 1000 millicores.
  EXPECT_EQ(cpu_between(sample(1000, 10000, 4), sample(1250, 11000, 4)), 1000);
  EXPECT_EQ(cpu_between(sample(0, 0, 4), sample(1250, 11000, 4)), std::nullopt);  // one-shot: no precpu
  EXPECT_EQ(cpu_between(sample(1000, 10000, 4), sample(1000, 10000, 4)), std::nullopt);
  auto m = measure({sample(1000, 10000, 2), sample(1100, 11000, 2), sample(1600, 12000, 2)});
  EXPECT_EQ(m.cpu_peak, 1000);  // 500/1000 x 2 CPUs in the second interval
}
