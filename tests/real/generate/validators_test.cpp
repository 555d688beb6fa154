// Real tools accept what rehome generates: docker-compose parses every stack, promtool checks the
// Prometheus config and rules, bash -n and shellcheck accept every script. Both on the small test
// estate and on the built-in estate of the seeds.
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "common/process.hpp"
#include "generate/generate.hpp"
#include "generate/write_out.hpp"
#include "model/estate_yaml.hpp"
#include "plan/solver.hpp"
#include "unit/generate/small_estate.hpp"

namespace rehome::generate {
namespace {
namespace fs = std::filesystem;

class Validators : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "rehome-gen-real-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    out = pattern;
    if (GetParam() == "small") {
      files = generate_all(test::small_estate(), test::small_plan());
    } else {
      auto estate = model::default_estate();
      files = generate_all(estate, plan::make_plan(estate));
    }
    write_output(out, files);
  }
  void TearDown() override { fs::remove_all(out); }

  std::vector<std::string> paths(const std::string& prefix, const std::string& suffix) const {
    std::vector<std::string> found;
    for (const auto& [path, text] : files) {
      if (path.rfind(prefix, 0) == 0 && path.ends_with(suffix)) found.push_back(path);
    }
    return found;
  }

  fs::path out;
  Files files;
};

TEST_P(Validators, DockerComposeAcceptsEveryStack) {
  require_program("docker-compose", "docker-compose");
  auto stacks = paths("stacks/", ".yml");
  ASSERT_FALSE(stacks.empty());
  for (const auto& stack : stacks) {
    auto r = run_process({"docker-compose", "--file", (out / stack).string(), "config", "--quiet"},
                         {.cwd = out, .timeout = std::chrono::seconds(60)});
    EXPECT_TRUE(r.ok()) << stack << ":\n" << r.err << r.out;
  }
}

TEST_P(Validators, PromtoolAcceptsConfigAndRules) {
  require_program("promtool", "prometheus");
  auto config = run_process({"promtool", "check", "config", (out / "monitoring/prometheus.yml").string()});
  EXPECT_TRUE(config.ok()) << config.out << config.err;
  auto rules = run_process({"promtool", "check", "rules", (out / "monitoring/alerts.yml").string()});
  EXPECT_TRUE(rules.ok()) << rules.out << rules.err;
  EXPECT_NE(rules.out.find("SUCCESS"), std::string::npos) << rules.out;
}

TEST_P(Validators, BashAndShellcheckAcceptEveryScript) {
  require_program("shellcheck", "shellcheck");
  auto scripts = paths("", ".sh");
  ASSERT_GE(scripts.size(), 2u);
  for (const auto& script : scripts) {
    auto syntax = run_process({"bash", "-n", (out / script).string()});
    EXPECT_TRUE(syntax.ok()) << script << ": " << syntax.err;
    auto lint = run_process({"shellcheck", "--severity=style", "--shell=bash", (out / script).string()});
    EXPECT_TRUE(lint.ok()) << script << ":\n" << lint.out << lint.err;
  }
}

TEST_P(Validators, BootstrapRefusesAnUnknownStepWithoutTouchingDocker) {
  auto r = run_process({"bash", (out / "bootstrap.sh").string(), "no-such-step"},
                       {.env = {{"DOCKER_HOST", "unix:///nonexistent/docker.sock"}}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown step no-such-step"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Estates, Validators, ::testing::Values("small", "builtin"));

}  // namespace
}  // namespace rehome::generate
