// `rehome generate` as a person runs it, on the built-in estate: writes everything, a second run
// changes nothing (byte-identical), --check finds a stale folder without writing, bad input fails
// with a message and writes nothing.
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "common/atomic_file.hpp"
#include "common/process.hpp"
#include "support/paths.hpp"

namespace rehome {
namespace {
namespace fs = std::filesystem;

class GenerateCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "rehome-gen-cli-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir = pattern;
    out = dir / "out";
  }
  void TearDown() override { fs::remove_all(dir); }
  ProcessResult rehome(std::vector<std::string> args) {
    args.insert(args.begin(), test::rehome_binary().string());
    return run_process(args, {.timeout = std::chrono::seconds(120)});
  }
  std::map<std::string, std::string> snapshot() {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(out)) {
      if (e.is_regular_file()) files[fs::relative(e.path(), out).string()] = read_file(e.path());
    }
    return files;
  }
  fs::path dir, out;
};

TEST_F(GenerateCli, BuiltInEstateTwiceGivesIdenticalFilesAndCheckSpotsStaleness) {
  auto first = rehome({"generate", "-o", out.string()});
  ASSERT_EQ(first.exit_code, 0) << first.err << first.out;
  for (const char* path : {"bootstrap.sh", "README.md", "monitoring/prometheus.yml", "monitoring/alerts.yml",
                           "firewall/gmktec.sh", "stacks/databases.yml", "k8s/namespace.yaml",
                           "k8s/ingress.yaml", "k8s/network-policies.yaml"}) {
    EXPECT_TRUE(fs::exists(out / path)) << path;
  }
  EXPECT_EQ(fs::status(out / "bootstrap.sh").permissions() & fs::perms::owner_exec, fs::perms::owner_exec);
  auto before = snapshot();

  auto second = rehome({"generate", "-o", out.string(), "--json"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out.find("\"written\""), std::string::npos) << second.out;
  EXPECT_EQ(snapshot(), before);

  auto fresh = rehome({"generate", "-o", out.string(), "--check"});
  EXPECT_EQ(fresh.exit_code, 0) << fresh.out << fresh.err;
  EXPECT_NE(fresh.out.find("up to date"), std::string::npos);

  write_file_atomically(out / "stacks/databases.yml", "edited by hand\n");
  fs::remove(out / "bootstrap.sh");
  auto stale = rehome({"generate", "-o", out.string(), "--check"});
  EXPECT_EQ(stale.exit_code, 1);
  EXPECT_NE(stale.out.find("stacks/databases.yml"), std::string::npos) << stale.out;
  EXPECT_NE(stale.out.find("bootstrap.sh"), std::string::npos) << stale.out;
  EXPECT_EQ(read_file(out / "stacks/databases.yml"), "edited by hand\n");  // --check wrote nothing
  EXPECT_FALSE(fs::exists(out / "bootstrap.sh"));

  ASSERT_EQ(rehome({"generate", "-o", out.string()}).exit_code, 0);
  EXPECT_EQ(snapshot(), before);
}

TEST_F(GenerateCli, BadInputNamesTheProblemAndWritesNothing) {
  write_file_atomically(dir / "estate.yaml", "servers: [oops\n");
  auto bad = rehome({"generate", (dir / "estate.yaml").string(), "-o", out.string()});
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("estate.yaml"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(out));

  auto missing_plan = rehome({"generate", test::example("wizardsofts/estate.yaml").string(),
                              (dir / "no-such-plan.yaml").string(), "-o", out.string()});
  EXPECT_EQ(missing_plan.exit_code, 2) << missing_plan.err;
  EXPECT_NE(missing_plan.err.find("no-such-plan.yaml"), std::string::npos) << missing_plan.err;
  EXPECT_FALSE(fs::exists(out));

  auto no_output = rehome({"generate"});
  EXPECT_EQ(no_output.exit_code, 2);
}

}  // namespace
}  // namespace rehome
