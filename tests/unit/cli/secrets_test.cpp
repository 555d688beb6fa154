// Secrets never in plain text (issue 18, item 2): marker values planted in the fixtures' .env and
// env files must not appear in any byte import and generate produce, in process and through the
// CLI (estate.yaml, import --json, every generated file, stdout and stderr).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"
#include "common/process.hpp"
#include "generate/generate.hpp"
#include "import/compose.hpp"
#include "import/estate_output.hpp"
#include "import/secret_values.hpp"
#include "model/estate_yaml.hpp"
#include "plan/solver.hpp"
#include "support/paths.hpp"

using namespace rehome;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kMarkers{
    "MARKER-DBPASS-7f3a91", "MARKER-DBROOT-c04e22",   "MARKER-REDISPASS-5b8d10", "MARKER-APIKEY-e61f07",
    "MARKER-PGPASS-19ac4d", "MARKER-APITOKEN-88e2b0", "MARKER-SKB-4410fe",       "MARKER-TOTP-2d9c77"};

// Any marker, or any 8+ character slice of one (a secret printed in part is still a leak).
void expect_clean(const std::string& text, const std::string& what) {
  for (const auto& m : kMarkers) {
    EXPECT_EQ(text.find(m), std::string::npos) << m << " leaked into " << what;
    std::string tail = m.substr(7);  // without "MARKER-"
    EXPECT_EQ(text.find(tail), std::string::npos) << tail << " leaked into " << what;
  }
  EXPECT_EQ(text.find('\x01'), std::string::npos) << "a secret mark leaked into " << what;
}

std::vector<fs::path> fixtures() {
  fs::path dir = test::source_dir() / "tests/data/compose";
  return {dir / "mail/docker-compose.yml", dir / "analytics/docker-compose.yml"};
}

model::Server host() {
  return model::Server{.name = "host",
                       .address = "10.0.0.9",
                       .memory = 64 * model::GiB,
                       .cpu_threads = 16,
                       .role = model::SwarmRole::manager};
}

}  // namespace

TEST(SecretsNeverPlain, ImportAndGenerateInProcess) {
  auto result = import::import_compose(fixtures(), {}, import::disk_reader());
  import::attach_servers(result, std::nullopt, host());
  std::string yaml = import::estate_yaml_checked(result);
  expect_clean(yaml, "estate.yaml");
  expect_clean(import::summary_json(result).dump(), "import --json");
  expect_clean(import::render_summary(result), "the import summary");

  auto estate = model::parse_estate(yaml, "estate.yaml");
  const auto* mysql = estate.find_service("mysql-mailcow");
  ASSERT_NE(mysql, nullptr);
  EXPECT_EQ(mysql->runtime.environment.at("MYSQL_ROOT_PASSWORD").secret, "mail-dbroot");
  EXPECT_EQ(mysql->runtime.environment.at("MYSQL_DATABASE").value, "mailcow");
  ASSERT_TRUE(mysql->healthcheck);
  EXPECT_NE(mysql->healthcheck->test.at(1).find("$(cat /run/secrets/mail-dbroot)"), std::string::npos);
  const auto* php = estate.find_service("php-fpm-mailcow");
  EXPECT_EQ(php->runtime.environment.at("REDIS_URL").secret, "php-fpm-mailcow-redis-url");
  EXPECT_EQ(php->runtime.environment.at("PRICE").value, "$5");  // compose's $$ is one $ in the container
  const auto* app = estate.find_service("plausible");
  EXPECT_FALSE(app->runtime.environment.at("SECRET_KEY_BASE").secret.empty());
  EXPECT_FALSE(app->runtime.environment.at("DATABASE_URL").secret.empty());
  EXPECT_EQ(app->runtime.environment.at("BASE_URL").value, "https://analytics.example.com");
  ASSERT_TRUE(app->healthcheck);
  EXPECT_EQ(app->healthcheck->test.at(0), "CMD-SHELL");

  auto files = generate::generate_all(estate, plan::make_plan(estate));
  for (const auto& [path, text] : files) expect_clean(text, path);
  const std::string& mail = files.at("stacks/mail.yml");
  EXPECT_NE(mail.find("MYSQL_ROOT_PASSWORD_FILE: /run/secrets/mail-dbroot"), std::string::npos) << mail;
  EXPECT_NE(mail.find("REHOME_SECRET_ENV"), std::string::npos) << mail;
  EXPECT_NE(mail.find("PRICE: $$5"), std::string::npos) << mail;
  EXPECT_NE(mail.find("$$(cat /run/secrets/mail-dbroot)"), std::string::npos) << mail;
  EXPECT_TRUE(files.count("stacks/rehome-env.sh"));

  // `rehome secrets create` finds every value from the recorded files (and only there).
  auto values = import::secret_values(estate, std::nullopt, import::disk_reader());
  for (const auto& v : values) {
    EXPECT_TRUE(v.value.has_value()) << v.name << ": " << v.problem;
    expect_clean(v.source + v.problem, "the secret's source description");
  }
}

TEST(SecretsNeverPlain, ThroughTheCli) {
  fs::path out = fs::temp_directory_path() / ("rehome-secrets-test-" + std::to_string(::getpid()));
  fs::remove_all(out);
  fs::create_directories(out);
  std::vector<std::string> import_cmd{test::rehome_binary().string(), "import", "compose", "--servers",
                                      (test::source_dir() / "tests/data/compose/servers.yaml").string()};
  for (const auto& f : fixtures()) import_cmd.push_back(f.string());
  auto json = import_cmd;
  json.push_back("--json");
  auto r1 = run_process(json);
  ASSERT_TRUE(r1.ok()) << r1.err;
  expect_clean(r1.out + r1.err, "import --json");
  EXPECT_NE(r1.out.find("mail-dbroot"), std::string::npos);
  auto with_file = import_cmd;
  with_file.insert(with_file.end(), {"-o", (out / "estate.yaml").string()});
  auto r2 = run_process(with_file);
  ASSERT_TRUE(r2.ok()) << r2.err;
  expect_clean(r2.out + r2.err, "import output");
  auto r3 = run_process({test::rehome_binary().string(), "generate", (out / "estate.yaml").string(), "-o",
                         (out / "gen").string()});
  ASSERT_TRUE(r3.ok()) << r3.err;
  expect_clean(r3.out + r3.err, "generate output");
  auto r4 = run_process({test::rehome_binary().string(), "secrets", "create", (out / "estate.yaml").string(),
                         "--dry-run", "--json"});
  EXPECT_EQ(r4.exit_code, 0) << r4.out << r4.err;
  expect_clean(r4.out + r4.err, "secrets create --dry-run");
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(out)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    expect_clean(read_file(entry.path()), entry.path().string());
  }
  EXPECT_GT(files, 10);
  fs::remove_all(out);
}
