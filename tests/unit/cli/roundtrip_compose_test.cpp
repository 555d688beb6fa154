// compose -> estate.yaml -> stack keeps every runtime field (issue 18, item 6). The referee is
// docker-compose's own `config` (Debian's docker-compose): both the fixture and the generated stack
// are normalized by it, then compared service by service. Secret values are compared as references.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "common/process.hpp"
#include "import/compose_service.hpp"
#include "model/units.hpp"
#include "support/paths.hpp"

using namespace rehome;
namespace fs = std::filesystem;

namespace {

// docker-compose config over the files (the first decides the folder), with `env` added.
YAML::Node compose_config(const std::vector<fs::path>& files, std::map<std::string, std::string> env = {}) {
  std::vector<std::string> argv = {"docker-compose"};
  for (const auto& f : files) argv.insert(argv.end(), {"-f", f.string()});
  argv.push_back("config");
  env["COMPOSE_INTERPOLATION_WARNINGS"] = "0";
  auto r = run_process(argv, {.env = env, .cwd = files.front().parent_path()});
  if (!r.ok()) throw std::runtime_error("docker-compose config " + files.front().string() + ": " + r.err);
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

// A copy of the fixture's folder for the referee, with the top-level `name:` line removed from each
// compose file (Debian's docker-compose 1.29 predates it; the import reads the original).
fs::path referee_copy(const fs::path& folder, const fs::path& out, const std::vector<std::string>& files) {
  fs::path copy = out / "referee";
  fs::copy(folder, copy, fs::copy_options::recursive);
  for (const auto& f : files) {
    std::ifstream in(copy / f);
    std::string text, line;
    while (std::getline(in, line))
      if (line.rfind("name:", 0) != 0) text += line + "\n";
    in.close();
    std::ofstream(copy / f, std::ios::trunc) << text;
    // A build context the fixture names but does not ship (1.29 checks that it exists).
    for (const auto& svc : YAML::Load(text)["services"]) {
      // An env_file it names but does not ship (the import notes it; compose refuses): empty.
      if (const auto env_files = svc.second["env_file"])
        for (const auto& e : env_files.IsScalar() ? std::vector<std::string>{env_files.Scalar()}
                                                  : env_files.as<std::vector<std::string>>())
          if (!fs::exists(copy / e)) std::ofstream(copy / e) << "";
      const auto build = svc.second["build"];
      if (!build) continue;
      std::string context = build.IsScalar() ? build.Scalar() : build["context"].as<std::string>(".");
      if (context.find("://") == std::string::npos) fs::create_directories(copy / context);
    }
  }
  return copy;
}

struct Fixture {
  std::string folder;                      // under tests/data
  std::vector<std::string> files;          // compose files in it, merged in this order
  std::string stack;                       // the generated stack file holding its services
  std::map<std::string, std::string> env;  // for the referee only (below)
};

void compare_fixture(const Fixture& f) {
  const fs::path folder = test::source_dir() / "tests/data" / f.folder;
  fs::path out = fs::temp_directory_path() / ("rehome-roundtrip-" + std::to_string(::getpid()));
  fs::remove_all(out);
  fs::create_directories(out);
  std::vector<std::string> import = {test::rehome_binary().string(), "import", "compose"};
  for (const auto& file : f.files) import.push_back((folder / file).string());
  import.insert(import.end(), {"--servers", (test::source_dir() / "tests/data/compose/servers.yaml").string(),
                               "-o", (out / "estate.yaml").string()});
  auto imp = run_process(import);
  ASSERT_TRUE(imp.ok()) << imp.err;
  auto gen = run_process({test::rehome_binary().string(), "generate", (out / "estate.yaml").string(), "-o",
                          (out / "gen").string()});
  ASSERT_TRUE(gen.ok()) << gen.err;
  const fs::path copy = referee_copy(folder, out, f.files);
  std::vector<fs::path> referee_files;
  for (const auto& file : f.files) referee_files.push_back(copy / file);
  YAML::Node before = compose_config(referee_files, f.env)["services"];
  YAML::Node after = compose_config({out / "gen/stacks" / (f.stack + ".yml")})["services"];
  ASSERT_TRUE(before.IsMap() && before.size() > 0) << f.folder;
  int compared = 0;
  for (const auto& kv : before) {
    std::string name = kv.first.as<std::string>();
    const YAML::Node& a = kv.second;
    const YAML::Node b = after[name];
    ++compared;
    ASSERT_TRUE(b) << f.folder << ": " << name << " missing from the stack " << f.stack;
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
    EXPECT_EQ(b["read_only"].as<bool>(false), a["read_only"].as<bool>(false)) << name << " read_only";
    for (const char* key : {"user", "working_dir", "init", "stop_signal", "hostname"}) {
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
    if (a["deploy"] && a["deploy"]["labels"]) {
      auto after_labels =
          b["deploy"] ? string_map(b["deploy"]["labels"]) : std::map<std::string, std::string>{};
      for (const auto& [k, v] : string_map(a["deploy"]["labels"]))
        EXPECT_EQ(after_labels[k], v) << name << " deploy label " << k;
    }
    for (const auto& t : words(a["tmpfs"])) {  // a tmpfs mount on Swarm (the key is ignored there)
      bool mounted = false;
      for (const auto& v : b["volumes"])
        mounted = mounted || (v.IsMap() && v["type"].as<std::string>("") == "tmpfs" &&
                              v["target"].as<std::string>("") == t.substr(0, t.find(':')));
      EXPECT_TRUE(mounted) << name << " tmpfs " << t;
    }
    for (const auto& c : a["configs"]) {
      std::string source = c.IsMap() ? c["source"].as<std::string>() : c.as<std::string>();
      bool kept = false;
      for (const auto& d : b["configs"])
        kept = kept || (d.IsMap() ? d["source"].as<std::string>() : d.as<std::string>()) == source;
      EXPECT_TRUE(kept) << name << " config " << source;
    }
    for (const auto& c : words(a["cap_add"])) {
      auto caps = words(b["cap_add"]);
      EXPECT_NE(std::find(caps.begin(), caps.end(), c), caps.end()) << name << " " << c;
    }
  }
  EXPECT_GT(compared, 0) << f.folder;
  fs::remove_all(out);
}

}  // namespace

// Every compose fixture of the repository that describes services (tests/data/compose/invalid/ holds
// refusals, engine/ a live engine's answer). The referee reads a copy without the top-level `name:`
// that Debian's docker-compose 1.29 predates, with empty files for env_files and build folders the
// fixture names but does not ship; the mail suite publishes on `${HTTPS_BIND:-}:443:443`,
// an empty address 1.29 refuses, so its referee gets HTTPS_BIND/HTTP_BIND=0.0.0.0 (ports are not
// compared here: exposure has its own tests).
class ComposeRoundTrip : public ::testing::TestWithParam<Fixture> {};

TEST_P(ComposeRoundTrip, EveryRuntimeFieldSurvivesImportAndGenerate) { compare_fixture(GetParam()); }

INSTANTIATE_TEST_SUITE_P(
    Fixtures, ComposeRoundTrip,
    ::testing::Values(
        Fixture{"compose/analytics", {"docker-compose.yml"}, "analytics", {}},
        Fixture{"compose/mail",
                {"docker-compose.yml"},
                "mail",
                {{"HTTPS_BIND", "0.0.0.0"}, {"HTTP_BIND", "0.0.0.0"}}},
        Fixture{"compose/spec", {"compose.yaml"}, "quant", {}},
        Fixture{"compose/v2", {"docker-compose.yml"}, "v2", {}},
        Fixture{"compose/v3", {"docker-compose.yml"}, "v3", {}},
        Fixture{"compose/other", {"docker-compose.yml"}, "other", {}},
        Fixture{"compose/override", {"docker-compose.yml", "docker-compose.prod.yml"}, "override", {}},
        Fixture{"deploy", {"compose.yml"}, "shop", {}}),
    [](const ::testing::TestParamInfo<Fixture>& info) {
      std::string name = info.param.folder.substr(info.param.folder.find('/') + 1);
      return name == "deploy" ? std::string("deploy") : name;
    });
