// Runtime carried from compose, secrets as references, and the import fixes of issue 18.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "import/compose.hpp"
#include "import/compose_service.hpp"
#include "import/interpolate.hpp"
#include "model/estate_yaml.hpp"
#include "support/paths.hpp"

using namespace rehome;
using namespace rehome::import;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

namespace fs = std::filesystem;

// Files held in memory, under /mem/<project>/.
FileReader memory(std::map<std::string, std::string> files) {
  return [files](const fs::path& p) -> std::optional<std::string> {
    auto it = files.find(p.lexically_normal().string());
    if (it == files.end()) return std::nullopt;
    return it->second;
  };
}

ImportResult import_memory(const std::map<std::string, std::string>& files, ComposeOptions options = {}) {
  return import_compose({"/mem/p/compose.yml"}, options, memory(files));
}

bool has_finding(const std::vector<Finding>& findings, const std::string& text) {
  for (const auto& f : findings)
    if (f.what.find(text) != std::string::npos) return true;
  return false;
}

const Finding* finding(const std::vector<Finding>& findings, const std::string& text) {
  for (const auto& f : findings)
    if (f.what.find(text) != std::string::npos) return &f;
  return nullptr;
}

}  // namespace

TEST(SecretNames, WhatCountsAsASecret) {
  for (const char* name :
       {"DB_PASSWORD", "MYSQL_ROOT_PASSWORD", "DBPASS", "REDISPASS", "API_KEY", "APIKEY", "SECRET_KEY_BASE",
        "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "TOTP_VAULT_KEY", "SMTP_PWD"})
    EXPECT_TRUE(is_secret_name(name)) << name;
  for (const char* name : {"TZ", "DBNAME", "KEYCLOAK_URL", "DB_PASSWORD_FILE", "BASE_URL", "PASSENGER_COUNT"})
    EXPECT_FALSE(is_secret_name(name)) << name;
  EXPECT_TRUE(has_inline_credentials("postgres://app:pw@db:5432/app"));
  EXPECT_TRUE(has_inline_credentials("host=db user=app password=pw"));
  EXPECT_FALSE(has_inline_credentials("postgres://app@db/app"));
  EXPECT_FALSE(has_inline_credentials("http://plausible_events_db:8123/db"));
}

TEST(SecretMarks, InterpolationNeverSubstitutesASecretValue) {
  Variables vars{{"DBPASS", "v4lue"}, {"HOST", "db"}};
  Interpolation ctx{vars};
  std::string out = interpolate("postgres://u:${DBPASS}@${HOST}/x $$DBPASS $UNSET", ctx, "f:1");
  EXPECT_EQ(out.find("v4lue"), std::string::npos);
  EXPECT_EQ(unmark(out), "postgres://u:${DBPASS}@db/x $DBPASS ");
  EXPECT_THAT(ctx.unset, ElementsAre("f:1: UNSET"));
}

TEST(ComposeRuntime, MailSuiteRuntimeFields) {
  auto r =
      import_compose({test::source_dir() / "tests/data/compose/mail/docker-compose.yml"}, {}, disk_reader());
  const auto& redis = *r.estate.find_service("redis-mailcow");
  EXPECT_THAT(*redis.runtime.entrypoint, ElementsAre("/bin/sh", "/redis-conf.sh"));
  EXPECT_EQ(redis.runtime.environment.at("REDISPASS").secret, "mail-redispass");
  EXPECT_TRUE(redis.runtime.logging && redis.runtime.logging->options.at("max-size") == "10m");  // from <<
  const auto& mysql = *r.estate.find_service("mysql-mailcow");
  EXPECT_EQ(mysql.runtime.stop_grace_period, 45000);
  EXPECT_EQ(mysql.runtime.ulimits.at("nofile").soft, 65535);
  // Relative bind mounts are absolute in the estate.
  bool conf = false;
  for (const auto& v : mysql.volumes)
    if (v.bind) {
      conf = true;
      EXPECT_TRUE(fs::path(v.name).is_absolute()) << v.name;
      EXPECT_THAT(v.name, HasSubstr("tests/data/compose/mail/data/conf/mysql"));
    }
  EXPECT_TRUE(conf);
  const auto& php = *r.estate.find_service("php-fpm-mailcow");
  EXPECT_THAT(*php.runtime.command,
              ElementsAre("php-fpm", "-d", "date.timezone=Europe/Berlin", "-d", "expose_php=0"));
  EXPECT_EQ(php.runtime.user, "82:82");
  EXPECT_EQ(php.runtime.working_dir, "/web");
  EXPECT_EQ(php.runtime.labels.at("ofelia.enabled"), "true");
  EXPECT_EQ(php.runtime.environment.at("PRICE").value, "$5");
  EXPECT_EQ(php.runtime.environment.at("API_KEY").secret, "mail-api-key");
  const auto& nginx = *r.estate.find_service("nginx-mailcow");
  ASSERT_TRUE(nginx.healthcheck);  // only `interval`: the image's own test, never `test: []`
  EXPECT_TRUE(nginx.healthcheck->test.empty());
  EXPECT_EQ(nginx.healthcheck->interval, 30000);
  EXPECT_THAT(nginx.runtime.tmpfs, ElementsAre("/var/cache/nginx"));
  EXPECT_EQ(nginx.runtime.shm_size, 64 * model::MiB);
  EXPECT_EQ(nginx.runtime.init, true);
  // Unset variables warn as compose does; notes about anchored settings point at the service.
  EXPECT_TRUE(has_finding(r.notes, "variable HTTPS_BIND") == false);  // has a default: no warning
  auto yaml_services_line = [&](const std::string& name) { return r.estate.find_service(name)->where.line; };
  for (const auto& f : r.unmapped) {
    if (f.subject != "redis-mailcow") continue;
    int line = std::stoi(f.where.substr(f.where.rfind(':') + 1));  // its own lines, never the anchor's
    EXPECT_GE(line, yaml_services_line("redis-mailcow")) << f.where << " " << f.what;
  }
  // The whole estate reads back.
  r.estate.servers.push_back(model::Server{
      .name = "h", .memory = 64 * model::GiB, .cpu_threads = 8, .role = model::SwarmRole::manager});
  EXPECT_NO_THROW(model::parse_estate(model::to_yaml(r.estate), "estate.yaml"));
}

TEST(ComposeRuntime, DisableFalseAloneKeepsTheImagesCheck) {
  auto r = import_memory(
      {{"/mem/p/compose.yml", "services:\n  a:\n    image: x\n    healthcheck:\n      disable: false\n"}});
  EXPECT_FALSE(r.estate.services.front().healthcheck.has_value());
}

TEST(ComposeRuntime, UnsetVariableIsANoteWithItsLine) {
  auto r = import_memory({{"/mem/p/compose.yml", "services:\n  a:\n    image: x:${TAG}\n"}});
  const auto* f = finding(r.notes, "variable TAG is not set");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->where, "/mem/p/compose.yml:3");
}

TEST(ComposeRuntime, ComposeProfilesFromTheEnvFile) {
  auto r = import_memory(
      {{"/mem/p/compose.yml",
        "services:\n  a: {image: x}\n  b: {image: y, profiles: [debug]}\n  c: {image: z, profiles: [ops]}\n"},
       {"/mem/p/.env", "COMPOSE_PROFILES=debug\n"}});
  std::vector<std::string> names;
  for (const auto& s : r.estate.services) names.push_back(s.name);
  EXPECT_THAT(names, ElementsAre("a", "b"));
}

TEST(ComposeRuntime, EveryProblemOfABrokenFileIsReported) {
  try {
    import_memory({{"/mem/p/compose.yml",
                    "services:\n  a:\n    image: x\n    mem_limit: lots\n  b:\n    image: \"${BROKEN\"\n"
                    "  c:\n    image: y\n    restart: sometimes\n"}});
    FAIL() << "expected UserError";
  } catch (const UserError& e) {
    std::string what = e.what();
    EXPECT_THAT(what, HasSubstr("unterminated"));
    // Interpolation stops the file first; once it reads, every service's problem comes at once.
  }
  try {
    import_memory({{"/mem/p/compose.yml",
                    "services:\n  a:\n    image: x\n    mem_limit: lots\n  c:\n    image: y\n    restart: "
                    "sometimes\n"}});
    FAIL() << "expected UserError";
  } catch (const UserError& e) {
    std::string what = e.what();
    EXPECT_THAT(what, HasSubstr("2 problems"));
    EXPECT_THAT(what, HasSubstr("compose.yml:4"));
    EXPECT_THAT(what, HasSubstr("compose.yml:7"));
  }
}

TEST(ComposeRuntime, SecretsInLiteralsHealthchecksAndLabels) {
  auto r = import_memory({{"/mem/p/compose.yml",
                           "services:\n"
                           "  a:\n"
                           "    image: x\n"
                           "    environment:\n"
                           "      DB_PASSWORD: literal-pw\n"
                           "      DATABASE_URL: postgres://u:${DB_PASSWORD}@db/x\n"
                           "    labels:\n"
                           "      traefik.http.middlewares.auth.basicauth.users: \"${ADMIN_TOKEN}\"\n"
                           "      keep: \"yes\"\n"
                           "    healthcheck:\n"
                           "      test: [\"CMD\", \"curl\", \"-H\", \"Authorization: Bearer "
                           "${ADMIN_TOKEN}\", \"http://localhost\"]\n"},
                          {"/mem/p/.env", "DB_PASSWORD=env-pw\nADMIN_TOKEN=tok-value\n"}});
  const auto& a = r.estate.services.front();
  EXPECT_EQ(a.runtime.environment.at("DB_PASSWORD").secret, "a-db-password");
  EXPECT_EQ(a.runtime.environment.at("DATABASE_URL").secret, "a-database-url");
  EXPECT_FALSE(a.runtime.labels.count("traefik.http.middlewares.auth.basicauth.users"));
  EXPECT_EQ(a.runtime.labels.at("keep"), "yes");
  ASSERT_TRUE(a.healthcheck);
  EXPECT_EQ(a.healthcheck->test.at(0), "CMD-SHELL");
  EXPECT_THAT(a.healthcheck->test.at(1), HasSubstr("$(cat /run/secrets/p-admin-token)"));
  std::string yaml = model::to_yaml(r.estate);
  for (const char* value : {"literal-pw", "env-pw", "tok-value"})
    EXPECT_EQ(yaml.find(value), std::string::npos) << value;
  EXPECT_TRUE(has_finding(r.notes, "holds a secret written in the compose file"));
  EXPECT_TRUE(has_finding(r.unmapped, "holds a secret"));
}
