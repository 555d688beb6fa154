// Real tools accept what rehome generates: docker-compose parses every stack, promtool checks the
// Prometheus config and rules, bash -n and shellcheck accept every script, every Kubernetes manifest
// passes the API's OpenAPI schemas (kubernetes-models from the npm registry, fetched into a cache at
// test time). Both on the small test estate and on the built-in estate of the seeds.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <gtest/gtest.h>

#include "common/atomic_file.hpp"
#include "common/process.hpp"
#include "generate/generate.hpp"
#include "generate/write_out.hpp"
#include "model/estate_yaml.hpp"
#include "plan/solver.hpp"
#include "support/paths.hpp"
#include "unit/generate/small_estate.hpp"

namespace rehome::generate {
namespace {
namespace fs = std::filesystem;

// The Kubernetes schemas: `npm install kubernetes-models yaml` once into a cache outside any build
// folder ($REHOME_NPM_CACHE, default /var/cache/rehome-npm), keyed by the versions; later runs take
// no time. Installed into a temporary folder renamed into place, so a parallel run never sees half.
fs::path kubernetes_schemas() {
  const std::string versions = "kubernetes-models@5.1.0 yaml@2.9.1";
  const char* env = std::getenv("REHOME_NPM_CACHE");
  const fs::path cache = env && *env ? env : "/var/cache/rehome-npm";
  const fs::path dir = cache / "kubernetes-models-5.1.0-yaml-2.9.1";
  if (fs::exists(dir / "node_modules/kubernetes-models/package.json")) return dir / "node_modules";
  require_program("npm", "npm");
  fs::create_directories(cache);
  std::string pattern = (cache / "install-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp in " + cache.string());
  auto r = run_process({"npm", "install", "--prefix", pattern, "--no-audit", "--no-fund", "--ignore-scripts",
                        "--no-save", "--loglevel=error", "kubernetes-models@5.1.0", "yaml@2.9.1"},
                       {.timeout = std::chrono::seconds(600)});
  std::error_code ec;
  if (!r.ok()) {
    fs::remove_all(pattern, ec);
    throw std::runtime_error("npm install " + versions + ": " + r.err + r.out);
  }
  fs::rename(pattern, dir, ec);  // lost a race: the other run's copy is as good
  if (ec) fs::remove_all(pattern, ec);
  return dir / "node_modules";
}

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

TEST_P(Validators, KubernetesSchemasAcceptEveryManifest) {
  require_program("node", "nodejs");
  const fs::path modules = kubernetes_schemas();
  auto manifests = paths("k8s/", ".yaml");
  ASSERT_GE(manifests.size(), 3u);
  std::vector<std::string> argv = {
      "node", (rehome::test::source_dir() / "tests/real/generate/k8s_schemas.mjs").string()};
  for (const auto& m : manifests) argv.push_back((out / m).string());
  auto r =
      run_process(argv, {.env = {{"NODE_PATH", modules.string()}}, .timeout = std::chrono::seconds(120)});
  EXPECT_TRUE(r.ok()) << r.out << r.err;
  size_t checked = 0;
  for (size_t at = r.out.find("ok "); at != std::string::npos; at = r.out.find("\nok ", at + 1)) ++checked;
  EXPECT_EQ(checked, manifests.size()) << r.out;
  // The validator itself refuses a wrong manifest (a port as a string, a kind the API has not).
  write_file_atomically(
      out / "bad.yaml",
      "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {ports: [{port: \"80\"}]}\n");
  auto bad = run_process({argv[0], argv[1], (out / "bad.yaml").string()},
                         {.env = {{"NODE_PATH", modules.string()}}});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("port must be integer"), std::string::npos) << bad.out << bad.err;
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
