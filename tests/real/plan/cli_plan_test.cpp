// End to end: the built rehome binary plans the seeds' estate, writes plan.yaml, checks the owner's
// proposal (exit 1 with wsasus's shortfall) and refuses a broken estate with file:line (exit 2).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/atomic_file.hpp"
#include "common/process.hpp"
#include "support/paths.hpp"

namespace rehome {
namespace {

ProcessResult rehome_run(std::vector<std::string> args) {
  args.insert(args.begin(), test::rehome_binary().string());
  ProcessOptions o;
  o.timeout = std::chrono::seconds(60);
  return run_process(args, o);
}

class CliPlan : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(test::rehome_binary())) GTEST_SKIP() << "build the rehome binary first";
    dir_ = std::filesystem::temp_directory_path() / ("rehome-cli-plan-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::filesystem::path dir_;
};

TEST_F(CliPlan, PlansTheBuiltInEstateAndWritesPlanYaml) {
  auto r = rehome_run({"plan", "-o", (dir_ / "plan.yaml").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* part :
       {"gmktec", "hppavilion", "wsasus", "hpr", "10.0.0.84", "Services per server", "Soft rules"})
    EXPECT_NE(r.out.find(part), std::string::npos) << part;
  auto yaml = read_file(dir_ / "plan.yaml");
  EXPECT_NE(yaml.find("estate: wizardsofts"), std::string::npos);
  auto json = rehome_run({"plan", test::example("wizardsofts/estate.yaml").string(), "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_NE(json.out.find("\"assignments\""), std::string::npos);
}

TEST_F(CliPlan, CheckNamesWsasusShortfallAndExitsOne) {
  auto r = rehome_run({"check", test::example("wizardsofts/estate.yaml").string(),
                       test::example("wizardsofts/proposal.yaml").string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("wsasus (10.0.0.81) cannot hold"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hpr (10.0.0.82) is the weakest host"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Proposal beside the recommended plan"), std::string::npos);
}

TEST_F(CliPlan, InfeasibleAndBrokenInputs) {
  // Headroom so large nothing fits: exit 1 naming the service and the closest server.
  auto tight = rehome_run({"plan", test::example("wizardsofts/estate.yaml").string(), "--headroom", "90%"});
  EXPECT_EQ(tight.exit_code, 1) << tight.out;
  EXPECT_NE(tight.err.find("closest:"), std::string::npos) << tight.err;
  // A proposal naming an unknown server: exit 2 with file:line.
  write_file_atomically(dir_ / "bad.yaml", "servers:\n  gmktec: [traefik]\n  nosuch: []\n");
  auto bad =
      rehome_run({"check", test::example("wizardsofts/estate.yaml").string(), (dir_ / "bad.yaml").string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("bad.yaml:3"), std::string::npos) << bad.err;
  auto flag = rehome_run({"plan", "--headroom", "lots"});
  EXPECT_EQ(flag.exit_code, 2);
}

}  // namespace
}  // namespace rehome
