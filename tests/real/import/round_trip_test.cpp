// Round trip through the real binary: import compose files, plan, generate; every imported service
// is in a generated stack with the limits and reservations the compose files declared.
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "common/process.hpp"
#include "model/units.hpp"
#include "support/paths.hpp"

namespace rehome::test {
namespace {
using namespace std::chrono_literals;
namespace fs = std::filesystem;

ProcessResult rehome(const std::vector<std::string>& args) {
  std::vector<std::string> argv{rehome_binary().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, {.timeout = 120s});
}

TEST(ImportRoundTrip, ImportPlanGenerateKeepsEveryServiceAndItsLimits) {
  fs::path data = source_dir() / "tests/data/compose";
  fs::path work = fs::temp_directory_path() / ("rehome-import-roundtrip-" + std::to_string(::getpid()));
  fs::remove_all(work);
  fs::create_directories(work);
  auto estate = (work / "estate.yaml").string(), plan = (work / "plan.yaml").string();

  auto imported = rehome({"import", "compose", (data / "v2/docker-compose.yml").string(),
                          (data / "v3/docker-compose.yml").string(), (data / "spec/compose.yaml").string(),
                          (data / "other/docker-compose.yml").string(), "--servers",
                          (data / "servers.yaml").string(), "--json", "-o", estate});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  auto summary = nlohmann::json::parse(imported.out);
  ASSERT_GE(summary["services"].size(), 10u);

  auto planned = rehome({"plan", estate, "-o", plan});
  ASSERT_EQ(planned.exit_code, 0) << planned.out << planned.err;
  auto generated = rehome({"generate", estate, plan, "-o", (work / "out").string()});
  ASSERT_EQ(generated.exit_code, 0) << generated.out << generated.err;

  // Every service of every generated stack, by name.
  std::map<std::string, YAML::Node> stacked;
  for (const auto& entry : fs::directory_iterator(work / "out" / "stacks")) {
    YAML::Node stack = YAML::LoadFile(entry.path().string());
    for (const auto& kv : stack["services"]) stacked[kv.first.as<std::string>()] = kv.second;
  }
  for (const auto& s : summary["services"]) {
    std::string name = s["name"];
    ASSERT_TRUE(stacked.count(name)) << name << " is missing from the generated stacks";
    const YAML::Node& resources = stacked[name]["deploy"]["resources"];
    ASSERT_TRUE(resources) << name << " has no deploy.resources";
    auto reservation = model::parse_bytes(resources["reservations"]["memory"].as<std::string>());
    EXPECT_EQ(reservation, s["memory_reservation"].get<model::Bytes>()) << name;
    if (s["memory_limit"].get<model::Bytes>() > 0) {
      auto limit = model::parse_bytes(resources["limits"]["memory"].as<std::string>());
      EXPECT_EQ(limit, s["memory_limit"].get<model::Bytes>()) << name;
    }
  }
  fs::remove_all(work);
}

}  // namespace
}  // namespace rehome::test
