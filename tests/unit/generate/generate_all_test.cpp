#include <yaml-cpp/yaml.h>

#include <gtest/gtest.h>

#include "generate/generate.hpp"
#include "model/estate_yaml.hpp"
#include "plan/solver.hpp"
#include "small_estate.hpp"

namespace rehome::generate {
namespace {

TEST(GenerateAll, SameInputsGiveTheSameBytes) {
  auto e = test::small_estate();
  auto p = test::small_plan();
  EXPECT_EQ(generate_all(e, p), generate_all(e, p));
}

TEST(GenerateAll, WritesEveryKindOfFile) {
  auto files = generate_all(test::small_estate(), test::small_plan());
  for (const char* path :
       {"bootstrap.sh", "README.md", "monitoring/prometheus.yml", "monitoring/alerts.yml",
        "firewall/alpha.sh", "stacks/production.yml", "k8s/namespace.yaml", "k8s/ingress.yaml"}) {
    EXPECT_TRUE(files.count(path)) << path;
  }
}

// The built-in estate of the seeds, planned by the solver: every YAML file parses, and every
// service of the estate appears in exactly one stack with the plan's replica count.
TEST(GenerateAll, BuiltInEstateGivesParsableFilesForEveryService) {
  auto estate = model::default_estate();
  auto plan = plan::make_plan(estate);
  auto files = generate_all(estate, plan);
  std::map<std::string, int> seen;
  for (const auto& [path, text] : files) {
    if (path.ends_with(".yml") || path.ends_with(".yaml")) {
      std::vector<YAML::Node> docs;
      ASSERT_NO_THROW(docs = YAML::LoadAll(text)) << path;
      if (path.rfind("stacks/", 0) == 0) {
        for (const auto& svc : docs.at(0)["services"]) seen[svc.first.as<std::string>()]++;
      }
    }
  }
  for (const auto& s : estate.services) EXPECT_EQ(seen[s.name], 1) << s.name;
  EXPECT_GE(files.size(), 10u + estate.services.size());
}

}  // namespace
}  // namespace rehome::generate
