#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "import/categories.hpp"
#include "import/compose.hpp"
#include "import/compose_service.hpp"
#include "model/estate_yaml.hpp"
#include "model/problem.hpp"
#include "support/paths.hpp"

using namespace rehome;
using namespace rehome::import;
using model::GiB;
using model::MiB;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

std::filesystem::path fixture(const std::string& relative) {
  return test::source_dir() / "tests/data/compose" / relative;
}

ImportResult import_files(std::vector<std::string> relative, ComposeOptions options = {}) {
  std::vector<std::filesystem::path> files;
  for (const auto& r : relative) files.push_back(fixture(r));
  return import_compose(files, options, disk_reader());
}

const model::Service& service(const ImportResult& r, const std::string& name) {
  const auto* s = r.estate.find_service(name);
  if (!s) throw std::runtime_error("no service " + name);
  return *s;
}

bool has_finding(const std::vector<Finding>& findings, const std::string& subject, const std::string& text) {
  for (const auto& f : findings)
    if (f.subject == subject && f.what.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST(ComposeV2, LimitsScaleLinksAndHealth) {
  auto r = import_files({"v2/docker-compose.yml"});
  ASSERT_EQ(r.estate.services.size(), 3u);
  const auto& gitlab = service(r, "gitlab");
  EXPECT_EQ(gitlab.stack, "v2");
  EXPECT_EQ(gitlab.category, model::Category::ci);
  EXPECT_TRUE(gitlab.category_guessed);
  EXPECT_EQ(gitlab.resources.memory_limit, 8 * GiB);
  EXPECT_EQ(gitlab.resources.memory_reservation, 6 * GiB);
  EXPECT_EQ(gitlab.resources.cpu_limit, 4000);
  EXPECT_FALSE(gitlab.resources.estimated);
  EXPECT_EQ(gitlab.restart, "any");
  ASSERT_EQ(gitlab.ports.size(), 2u);
  EXPECT_EQ(gitlab.ports[1].published, 2222);
  EXPECT_EQ(gitlab.ports[1].target, 22);
  EXPECT_THAT(gitlab.depends_on, ElementsAre("gitlab-postgres"));
  ASSERT_TRUE(gitlab.healthcheck);
  EXPECT_THAT(gitlab.healthcheck->test, ElementsAre("CMD-SHELL", "curl -f http://localhost/-/health"));
  EXPECT_EQ(gitlab.healthcheck->interval, 60000);
  EXPECT_EQ(gitlab.healthcheck->start_period, 300000);
  EXPECT_EQ(gitlab.healthcheck->retries, 5);
  ASSERT_EQ(gitlab.volumes.size(), 2u);
  EXPECT_EQ(gitlab.volumes[0].name, "v2_gitlab-data");
  EXPECT_FALSE(gitlab.volumes[0].bind);
  EXPECT_TRUE(gitlab.volumes[1].bind);
  EXPECT_TRUE(gitlab.stateful);  // a named volume on /var/opt/gitlab
  EXPECT_TRUE(gitlab.has_local_state());

  const auto& runner = service(r, "gitlab-runner");
  EXPECT_EQ(runner.replicas, 2);
  EXPECT_EQ(runner.category, model::Category::ci);
  EXPECT_THAT(runner.depends_on, ElementsAre("gitlab"));
  EXPECT_TRUE(runner.resources.estimated);
  EXPECT_TRUE(has_finding(r.notes, "gitlab-runner", "Docker socket"));
  EXPECT_TRUE(has_finding(r.notes, "gitlab-runner", "no memory limit"));

  const auto& pg = service(r, "gitlab-postgres");
  EXPECT_EQ(pg.category, model::Category::database);
  EXPECT_EQ(pg.resources.memory_limit, 2 * GiB);
  EXPECT_EQ(pg.resources.memory_reservation, 2 * GiB);  // only a limit: reserve it
  ASSERT_TRUE(pg.data);
  EXPECT_EQ(pg.data->engine, "postgres");
  EXPECT_THAT(pg.data->databases, ElementsAre("gitlabhq_production"));
  EXPECT_THAT(pg.healthcheck->test, ElementsAre("CMD", "pg_isready", "-U", "postgres"));
}

TEST(ComposeV3, DeployPlacementSecretsNfsAndNetworks) {
  auto r = import_files({"v3/docker-compose.yml"});
  const auto& gw = service(r, "ws-gateway");
  EXPECT_EQ(gw.image, "registry.example.com:5000/wizardsofts/ws-gateway:1.4.2");
  EXPECT_EQ(gw.replicas, 3);
  EXPECT_EQ(gw.resources.memory_limit, 768 * MiB);
  EXPECT_EQ(gw.resources.memory_reservation, 512 * MiB);
  EXPECT_EQ(gw.resources.cpu_limit, 1500);
  EXPECT_EQ(gw.resources.cpu_reservation, 250);
  EXPECT_THAT(gw.placement.pin, ElementsAre("hppavilion"));
  EXPECT_EQ(gw.placement.labels.at("tier"), "production");
  EXPECT_EQ(gw.placement.max_replicas_per_node, 3);
  EXPECT_EQ(gw.restart, "on-failure");
  ASSERT_EQ(gw.ports.size(), 1u);
  EXPECT_EQ(gw.ports[0].published, 8081);
  EXPECT_EQ(gw.ports[0].target, 8080);
  EXPECT_EQ(gw.ports[0].mode, "host");
  EXPECT_THAT(gw.secrets, ElementsAre("gateway_token"));
  EXPECT_THAT(gw.networks, ElementsAre("backend", "edge-public"));
  EXPECT_TRUE(has_finding(r.unmapped, "ws-gateway", "node.platform.os == linux"));

  const auto& pg = service(r, "postgres");
  EXPECT_EQ(pg.category, model::Category::database);
  ASSERT_EQ(pg.volumes.size(), 2u);   // tmpfs is not state
  EXPECT_TRUE(pg.volumes[0].shared);  // driver_opts type nfs
  EXPECT_TRUE(pg.volumes[1].bind);
  EXPECT_TRUE(pg.volumes[1].read_only);
  EXPECT_FALSE(pg.has_local_state());
  EXPECT_THAT(pg.data->databases, ElementsAre("trades"));  // POSTGRES_USER when no POSTGRES_DB
  EXPECT_TRUE(has_finding(r.unmapped, "postgres", "fixed IP address"));

  const auto& exporter = service(r, "node-exporter");
  EXPECT_TRUE(exporter.global);
  EXPECT_EQ(exporter.category, model::Category::monitoring);
  EXPECT_FALSE(exporter.category_guessed);  // set by the rehome.category label

  const auto* backend = r.estate.find_network("backend");
  ASSERT_TRUE(backend);
  EXPECT_TRUE(backend->internal);
  EXPECT_TRUE(backend->encrypted);
  ASSERT_TRUE(r.estate.find_network("edge-public"));
  EXPECT_TRUE(r.estate.find_network("edge-public")->public_);
}

TEST(ComposeSpec, InterpolationExtendsProfilesAnchorsAndUnmapped) {
  ComposeOptions options;
  options.environment = {{"APP_TAG", "2.2.0"}};  // the environment wins over .env
  auto r = import_files({"spec/compose.yaml"}, options);
  EXPECT_EQ(r.estate.name, "quant");
  const auto& web = service(r, "web");
  EXPECT_EQ(web.stack, "quant");
  EXPECT_EQ(web.image, "ghcr.io/wizardsofts/gibd-quant-web:2.2.0");
  EXPECT_EQ(web.restart, "any");                     // from the <<: *defaults merge key
  EXPECT_EQ(web.resources.memory_limit, 256 * MiB);  // likewise
  EXPECT_EQ(web.tier, model::Tier::staging);         // label rehome.tier
  EXPECT_EQ(web.category, model::Category::frontend);
  ASSERT_EQ(web.ports.size(), 6u);
  EXPECT_EQ(web.ports[0].published, 8443);  // ${WEB_PORT:-443} from .env
  EXPECT_EQ(web.ports[1].published, 9229);
  EXPECT_EQ(web.ports[2].published, 8000);
  EXPECT_EQ(web.ports[4].published, 8002);
  EXPECT_EQ(web.ports[4].protocol, "udp");
  EXPECT_EQ(web.ports[5].target, 53);
  // Bound to one address: kept private (a note, the address in the estate), never widened.
  EXPECT_TRUE(has_finding(r.notes, "web", "published only on 127.0.0.1"));
  EXPECT_TRUE(has_finding(r.notes, "web", "published only on ::1"));
  EXPECT_EQ(web.ports[1].host_ip, "127.0.0.1");
  EXPECT_EQ(web.ports[5].host_ip, "::1");
  EXPECT_THAT(web.depends_on, ElementsAre("api", "db"));

  const auto& api = service(r, "api");  // extends java-base in common.yml
  EXPECT_EQ(api.image, "ghcr.io/wizardsofts/quant-api:2.2.0");
  EXPECT_EQ(api.resources.memory_limit, 1536 * MiB);
  EXPECT_EQ(api.restart, "any");
  ASSERT_TRUE(api.healthcheck);
  EXPECT_EQ(api.healthcheck->test[0], "CMD-SHELL");

  const auto& worker = service(r, "worker");  // extends api in the same file, which extends common.yml
  EXPECT_EQ(worker.image, "ghcr.io/wizardsofts/quant-api:2.2.0");  // image wins over build
  ASSERT_TRUE(worker.build);  // ... and the build is kept for the registry step, its folder absolute
  EXPECT_EQ(worker.build->context, fixture("spec/worker").string());
  EXPECT_EQ(worker.build->dockerfile, "");
  EXPECT_EQ(worker.resources.cpu_limit, 500);
  EXPECT_EQ(worker.resources.memory_limit, 1536 * MiB);

  const auto& db = service(r, "db");
  EXPECT_THAT(db.data->databases, ElementsAre("quant"));  // from env_file app.env
  EXPECT_TRUE(db.resources.estimated);
  EXPECT_EQ(db.resources.memory_reservation, 1 * GiB);
  EXPECT_TRUE(has_finding(r.notes, "db", "missing.env not found"));

  const auto& tools = service(r, "tools");  // build only; in profile debug: imported, with a note
  EXPECT_EQ(tools.image, "quant-tools");
  EXPECT_TRUE(has_finding(r.notes, "tools", "in profile debug"));
  EXPECT_TRUE(has_finding(r.notes, "tools", "pushes it to the estate's registry"));
  ASSERT_TRUE(tools.build);
  EXPECT_EQ(tools.build->context, fixture("spec/tools").string());
  EXPECT_TRUE(has_finding(r.unmapped, "tools", "network_mode host"));
  EXPECT_TRUE(has_finding(r.unmapped, "tools", "privileged"));
  EXPECT_TRUE(has_finding(r.unmapped, "tools", "host devices"));

  const auto& uploads = service(r, "uploads");
  EXPECT_EQ(uploads.category, model::Category::storage);
  EXPECT_FALSE(uploads.category_guessed);
  ASSERT_EQ(uploads.volumes.size(), 2u);
  EXPECT_EQ(uploads.volumes[0].name, "quant-uploads-v2");  // the volume's name:
  EXPECT_TRUE(uploads.stateful);
  EXPECT_TRUE(has_finding(r.unmapped, "uploads", "anonymous volume at /var/log"));

  // Every unmapped finding points at file:line.
  for (const auto& f : r.unmapped) EXPECT_THAT(f.where, ::testing::MatchesRegex(".*compose.yaml:[0-9]+"));
}

TEST(ComposeSpec, ActiveProfilesSkipOthers) {
  ComposeOptions options;
  options.profiles = {"other"};
  auto r = import_files({"spec/compose.yaml"}, options);
  EXPECT_EQ(r.estate.find_service("tools"), nullptr);
  EXPECT_TRUE(has_finding(r.notes, "tools", "skipped: profile debug is not active"));
  EXPECT_NE(r.estate.find_service("web"), nullptr);
}

TEST(ComposeMany, ProjectsMergedDuplicatesRenamedOverridesMerged) {
  auto r = import_files({"v3/docker-compose.yml", "other/docker-compose.yml", "override/docker-compose.yml",
                         "override/docker-compose.prod.yml"});
  EXPECT_EQ(r.estate.find_service("postgres"), nullptr);
  const auto& a = service(r, "v3-postgres");
  const auto& b = service(r, "other-postgres");
  EXPECT_EQ(a.stack, "v3");
  EXPECT_EQ(b.stack, "other");
  EXPECT_THAT(service(r, "ws-gateway").depends_on, ElementsAre("v3-postgres"));
  EXPECT_TRUE(has_finding(r.duplicates, "postgres", "renamed to v3-postgres"));
  EXPECT_TRUE(has_finding(r.duplicates, "postgres", "renamed to other-postgres"));
  EXPECT_EQ(b.volumes[0].name, "other_data");

  const auto& kc = service(r, "keycloak");  // docker-compose.prod.yml overrides it
  EXPECT_EQ(kc.resources.memory_limit, 2 * GiB);
  EXPECT_EQ(kc.restart, "any");
  EXPECT_EQ(kc.ports.size(), 2u);  // ports accumulate
  EXPECT_EQ(kc.category, model::Category::auth);
  EXPECT_EQ(service(r, "oauth2-proxy").category, model::Category::auth);
  EXPECT_TRUE(has_finding(r.duplicates, "keycloak", "merged as an override file"));
  const auto& redis = service(r, "redis");
  EXPECT_EQ(redis.category, model::Category::cache);
  EXPECT_TRUE(redis.stateful);
  // "default" networks are per project.
  EXPECT_THAT(b.networks, ElementsAre("other_default"));
}

struct InvalidCase {
  const char* file;
  const char* message;  // a part of the message after "file:line: "
  int line;             // 0: the message names the file without a line
};

class ComposeInvalid : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(ComposeInvalid, ClearErrorWithFileAndLine) {
  const auto& c = GetParam();
  std::string path = fixture(std::string("invalid/") + c.file).string();
  try {
    import_compose({path}, {}, disk_reader());
    FAIL() << c.file << ": expected UserError";
  } catch (const UserError& e) {
    std::string what = e.what();
    std::string prefix = c.line ? path + ":" + std::to_string(c.line) : path;
    EXPECT_THAT(what, HasSubstr(prefix)) << what;
    EXPECT_THAT(what, HasSubstr(c.message)) << what;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Files, ComposeInvalid,
    ::testing::Values(InvalidCase{"bad_yaml.yml", "not valid YAML", 5},
                      InvalidCase{"bad_memory.yml", "mem_limit \"lots\" is not a size", 4},
                      InvalidCase{"missing_var.yml",
                                  "required variable REHOME_TEST_UNSET_PASSWORD is not set", 5},
                      InvalidCase{"extends_cycle.yml", "extends loops", 3},
                      InvalidCase{"no_image.yml", "has neither image nor build", 3},
                      InvalidCase{"bad_port.yml", "99999 is outside 1-65535", 6},
                      InvalidCase{"v1.yml", "no services: key", 0},
                      InvalidCase{"services_list.yml", "services: must be a mapping", 2},
                      InvalidCase{"bad_restart.yml", "restart \"sometimes\"", 4},
                      InvalidCase{"bad_duration.yml", "is not a duration", 6},
                      InvalidCase{"bad_interpolation.yml", "unterminated", 3},
                      InvalidCase{"empty.yml", "must be a mapping with a services: key", 0},
                      InvalidCase{"constraints_map.yml", "constraints must be a list", 8}));

TEST(ComposeErrors, MissingFileAndEnvFile) {
  EXPECT_THROW(import_compose({fixture("nope/docker-compose.yml")}, {}, disk_reader()), UserError);
  ComposeOptions options;
  options.env_file = fixture("nope.env");
  EXPECT_THROW(import_compose({fixture("v2/docker-compose.yml")}, options, disk_reader()), UserError);
  EXPECT_THROW(import_compose({}, {}, disk_reader()), UserError);
}

TEST(ComposeSecrets, ValuesNeverReachTheEstateOrFindings) {
  auto r = import_files(
      {"v2/docker-compose.yml", "v3/docker-compose.yml", "spec/compose.yaml", "other/docker-compose.yml"});
  std::string everything = render_summary(r) + summary_json(r).dump();
  for (const char* secret : {"do-not-copy-me", "never-printed", "s3cret-never-shown", "hunter2"})
    EXPECT_EQ(everything.find(secret), std::string::npos) << secret;
}

TEST(Ports, ShortSyntax) {
  std::string ip;
  auto p = parse_short_port("127.0.0.1:5432:5432", "f:1", ip);
  EXPECT_EQ(ip, "127.0.0.1");
  EXPECT_EQ(p[0].published, 5432);
  ip.clear();
  p = parse_short_port("3000", "f:1", ip);
  EXPECT_EQ(p[0].published, 0);
  EXPECT_EQ(p[0].target, 3000);
  p = parse_short_port("127.0.0.1::80", "f:1", ip);
  EXPECT_EQ(p[0].published, 0);
  p = parse_short_port("9000-9001:80", "f:1", ip);  // a host range onto one port: the first host port
  EXPECT_EQ(p.size(), 1u);
  EXPECT_THROW(parse_short_port("80:80/icmp", "f:1", ip), UserError);
  EXPECT_THROW(parse_short_port("a:b", "f:1", ip), UserError);
  EXPECT_THROW(parse_short_port("8000-8003:8000-8001", "f:1", ip), UserError);
  EXPECT_THROW(parse_short_port("", "f:1", ip), UserError);
}

// One guess (model/defaults.cpp) for both ways in: a hand-written estate.yaml without `category:` and a
// compose import of the same images give each service the same category and data engine.
TEST(Categories, HandWrittenAndImportedGuessAlike) {
  const std::vector<std::pair<std::string, std::string>> images{
      {"rest", "postgrest/postgrest:v12.0.2"},
      {"db", "postgres:16"},
      {"web", "nginx:1.25"},
      {"cache", "redis:7-alpine"},
      {"meta", "supabase/postgres-meta"},
      {"pgbackup", "prodrigestivill/postgres-backup-local"},
      {"logs", "grafana/loki:2.9"},
      {"gl", "registry.gitlab.com/acme/shop:1"}};
  std::string compose = "services:\n",
              estate = "name: t\nservers:\n  a: {memory: 8G, cpu: 4, role: manager}\nservices:\n";
  for (const auto& [name, image] : images) {
    compose += "  " + name + ":\n    image: " + image + "\n";
    estate += "  " + name + ":\n    image: " + image + "\n    data: {}\n";
  }
  FileReader reader = [&](const std::filesystem::path& p) -> std::optional<std::string> {
    if (p == "/x/docker-compose.yml") return compose;
    return std::nullopt;
  };
  auto imported = import_compose({"/x/docker-compose.yml"}, {}, reader);
  auto written = model::read_estate(estate, "estate.yaml");
  ASSERT_TRUE(written.ok()) << model::format_problems(written.problems);
  for (const auto& [name, image] : images) {
    const auto& i = service(imported, name);
    const auto* w = written.estate.find_service(name);
    ASSERT_NE(w, nullptr) << name;
    EXPECT_EQ(w->category, i.category) << image;
    EXPECT_TRUE(w->category_guessed && i.category_guessed) << image;
    EXPECT_EQ(w->data->engine, i.data ? i.data->engine : "") << image;
  }
  EXPECT_EQ(service(imported, "rest").category, model::Category::app);
  EXPECT_EQ(service(imported, "db").category, model::Category::database);
  EXPECT_EQ(service(imported, "web").category, model::Category::frontend);
  EXPECT_EQ(service(imported, "pgbackup").category, model::Category::backup);
  EXPECT_EQ(written.estate.find_service("db")->data->engine, "postgres");
  EXPECT_EQ(written.estate.find_service("rest")->data->engine, "");  // an API over postgres holds no postgres
}

TEST(Categories, GuessesFromImages) {
  auto cat = [](const std::string& image) { return guess_from_image(image, "svc").category; };
  EXPECT_EQ(image_repository("registry.local:5000/library/postgres:15@sha256:abc"), "library/postgres");
  EXPECT_EQ(cat("mariadb:11"), model::Category::database);
  EXPECT_EQ(guess_from_image("mariadb:11", "x").engine, "mariadb");
  EXPECT_EQ(cat("mongo:7"), model::Category::database);
  EXPECT_EQ(cat("redis:7"), model::Category::cache);
  EXPECT_EQ(cat("prom/prometheus"), model::Category::monitoring);
  EXPECT_EQ(cat("grafana/grafana:10"), model::Category::monitoring);
  EXPECT_EQ(cat("grafana/loki:2.9"), model::Category::logging);
  EXPECT_EQ(cat("traefik:v3"), model::Category::proxy);
  EXPECT_EQ(cat("gitlab/gitlab-runner"), model::Category::ci);
  EXPECT_EQ(cat("quay.io/keycloak/keycloak"), model::Category::auth);
  EXPECT_EQ(cat("ghcr.io/mailcow/mailcow-dockerized/postfix-mailcow:1.8"), model::Category::mail);
  EXPECT_EQ(cat("mailcow/dovecot:1.28"), model::Category::mail);
  EXPECT_EQ(cat("mailcow/unbound"), model::Category::mail);
  EXPECT_EQ(cat("appwrite/appwrite:1.5"), model::Category::app);
  EXPECT_EQ(cat("prometheuscommunity/postgres-exporter"), model::Category::monitoring);
  EXPECT_EQ(cat("wizardsofts/thing"), model::Category::app);
  // HTTP APIs and admin tools in front of a database are apps (issue 18), the databases stay databases.
  for (const char* app :
       {"postgrest/postgrest:v12.0.2", "supabase/postgres-meta:v0.80.0", "hasura/graphql-engine", "adminer:4",
        "phpmyadmin:5", "mongo-express", "sosedoff/pgweb", "acme/orders-api:2"})
    EXPECT_EQ(cat(app), model::Category::app) << app;
  EXPECT_EQ(cat("supabase/postgres:15.1.0.147"), model::Category::database);
  EXPECT_EQ(guess_from_image("supabase/postgres:15.1.0.147", "db").engine, "postgres");
  EXPECT_EQ(guess_from_image("wizardsofts/thing", "ws-daily-deen-web").category, model::Category::frontend);
  EXPECT_TRUE(is_data_path("/var/lib/mysql"));
  EXPECT_TRUE(is_data_path("/app/data"));
  EXPECT_FALSE(is_data_path("/etc/nginx/conf.d"));
}
