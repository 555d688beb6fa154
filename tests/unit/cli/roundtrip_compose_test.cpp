// compose -> estate.yaml -> stack keeps every runtime field (issue 18, item 6). The referee is
// docker-compose's own `config` (Debian's docker-compose): both the fixture and the generated stack
// are normalized by it, then compared service by service. Secret values are compared as references.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "common/process.hpp"
#include "import/compose_service.hpp"
#include "model/units.hpp"
#include "support/paths.hpp"

using namespace rehome;
namespace fs = std::filesystem;

namespace {

YAML::Node compose_config(const fs::path& file) {
  auto r = run_process({"docker-compose", "-f", file.string(), "config"},
                       {.env = {{"COMPOSE_INTERPOLATION_WARNINGS", "0"}}, .cwd = file.parent_path()});
  if (!r.ok()) throw std::runtime_error("docker-compose config " + file.string() + ": " + r.err);
  return YAML::Load(r.out);
}

std::vector<std::string> words(const YAML::Node& n) {
  if (!n) return {};
  if (n.IsScalar()) return import::split_command(n.Scalar());
  return n.as<std::vector<std::string>>();
}

std::map<std::string, std::string> string_map(const YAML::Node& n) {
  std::map<std::string, std::string> out;
  if (n && n.IsMap())
    for (const auto& kv : n)
      out[kv.first.as<std::string>()] = kv.second.IsNull() ? "" : kv.second.as<std::string>();
  return out;
}

void compare_fixture(const std::string& relative, const std::string& stack) {
  fs::path fixture = test::source_dir() / "tests/data/compose" / relative;
  fs::path out = fs::temp_directory_path() / ("rehome-roundtrip-" + std::to_string(::getpid()));
  fs::remove_all(out);
  fs::create_directories(out);
  auto imp = run_process({test::rehome_binary().string(), "import", "compose", fixture.string(), "--servers",
                          (test::source_dir() / "tests/data/compose/servers.yaml").string(), "-o",
                          (out / "estate.yaml").string()});
  ASSERT_TRUE(imp.ok()) << imp.err;
  auto gen = run_process({test::rehome_binary().string(), "generate", (out / "estate.yaml").string(), "-o",
                          (out / "gen").string()});
  ASSERT_TRUE(gen.ok()) << gen.err;
  YAML::Node before = compose_config(fixture)["services"];
  YAML::Node after = compose_config(out / "gen/stacks" / (stack + ".yml"))["services"];
  int compared = 0;
  for (const auto& kv : before) {
    std::string name = kv.first.as<std::string>();
    const YAML::Node& a = kv.second;
    const YAML::Node b = after[name];
    ASSERT_TRUE(b) << name << " missing from the stack";
    auto env_a = string_map(a["environment"]), env_b = string_map(b["environment"]);
    std::string shim = env_b.count("REHOME_SECRET_ENV") ? env_b["REHOME_SECRET_ENV"] : "";
    for (const auto& [k, v] : env_a) {
      if (env_b.count(k)) {
        EXPECT_EQ(env_b[k], v) << name << " " << k;
      } else {  // a secret: by reference, never by value
        EXPECT_TRUE(env_b.count(k + "_FILE") || shim.find(k + "=/run/secrets/") != std::string::npos)
            << name << " " << k;
      }
      ++compared;
    }
    if (!env_b.count("REHOME_SECRET_ENV")) {
      EXPECT_EQ(words(b["entrypoint"]), words(a["entrypoint"])) << name;
      EXPECT_EQ(words(b["command"]), words(a["command"])) << name;
    } else if (a["command"]) {
      EXPECT_EQ(words(b["command"]), words(a["command"])) << name;
    }
    for (const char* key : {"user", "working_dir", "init"}) {
      if (!a[key]) continue;
      EXPECT_EQ(b[key].as<std::string>(), a[key].as<std::string>()) << name << " " << key;
    }
    if (a["stop_grace_period"]) {
      EXPECT_EQ(model::parse_duration(b["stop_grace_period"].as<std::string>()),
                model::parse_duration(a["stop_grace_period"].as<std::string>()))
          << name;
    }
    for (const auto& [k, v] : string_map(a["labels"]))
      EXPECT_EQ(string_map(b["labels"])[k], v) << name << " " << k;
    if (a["ulimits"])
      for (const auto& u : a["ulimits"]) {
        auto limit = b["ulimits"][u.first.as<std::string>()];
        ASSERT_TRUE(limit) << name;
        std::string soft = u.second.IsMap() ? u.second["soft"].as<std::string>() : u.second.as<std::string>();
        EXPECT_EQ(limit["soft"].as<std::string>(), soft) << name;
      }
    if (a["logging"]) {
      EXPECT_EQ(string_map(b["logging"]["options"]), string_map(a["logging"]["options"])) << name;
    }
    for (const auto& c : words(a["cap_add"])) {
      auto caps = words(b["cap_add"]);
      EXPECT_NE(std::find(caps.begin(), caps.end(), c), caps.end()) << name << " " << c;
    }
  }
  EXPECT_GT(compared, 3);
  fs::remove_all(out);
}

}  // namespace

TEST(ComposeRoundTrip, Analytics) { compare_fixture("analytics/docker-compose.yml", "analytics"); }
// The mail and spec fixtures use syntax Debian's docker-compose 1.29 refuses (an empty bind address,
// a top-level name:), so they are checked field by field in unit_import instead.