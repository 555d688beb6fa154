// `rehome validate` against real servers on loopback: PostgreSQL and Redis with passwords, the probe
// as an HTTP service, a real Prometheus scraping it.
#include <chrono>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/process.hpp"
#include "local_services.hpp"
#include "real/harness/postgres_server.hpp"
#include "real/harness/redis_server.hpp"
#include "support/paths.hpp"

namespace rehome {
namespace {

struct Workspace {
  std::filesystem::path dir;
  Workspace() {
    dir = std::filesystem::temp_directory_path() / fmt::format("rehome-validate-{}", ::getpid());
    std::filesystem::create_directories(dir);
  }
  ~Workspace() { std::filesystem::remove_all(dir); }
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
    return dir / name;
  }
};

const char* kEstate = R"(name: tiny
managers: 1
servers:
  box: {address: 10.0.0.9, memory: 4G, cpu: 2, role: manager}
services:
  app-postgres: {image: "postgres:15", category: database, memory: 256M, data: {engine: postgres, databases: [app]}}
  app-redis: {image: "redis:7", category: cache, memory: 64M, data: {engine: redis}}
  app: {image: probe, memory: 64M, ports: ["8080:8080"]}
)";

class Validate : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pg = new test::PostgresServer({.password = "pg-s3cret"});
    redis = new test::RedisServer({.password = "redis-s3cret"});
    probe = test::start_probe_service().release();
    prometheus = test::start_prometheus({fmt::format("127.0.0.1:{}", probe->port())}).release();
  }
  static void TearDownTestSuite() {
    delete prometheus;
    delete probe;
    delete redis;
    delete pg;
  }
  std::string targets(const std::string& pg_password_var) const {
    return fmt::format(R"(databases:
  app-postgres: {{url: "postgres://postgres:${{{0}}}@127.0.0.1:{1}/postgres", query: "select count(*) from pg_class"}}
  app-redis: "redis://:${{REDIS_PW}}@127.0.0.1:{2}"
services:
  app: http://127.0.0.1:{3}/health
monitoring:
  prometheus: http://127.0.0.1:{4}
network:
  box: 127.0.0.1:{1}
security:
  closed: ["127.0.0.1:{5}"]
  localhost_only: [{1}]
resources:
  memory: 99%
  disk: {{"/": 99%}}
)",
                       pg_password_var, pg->port(), redis->port(), probe->port(), prometheus->port(),
                       test::free_port());
  }
  ProcessResult validate(const std::filesystem::path& t, const std::filesystem::path& creds) {
    return run_process(
        {test::rehome_binary().string(), "validate", ws.write("estate.yaml", kEstate).string(), "--targets",
         t.string(), "--credentials", creds.string(), "--evidence", (ws.dir / "evidence").string()},
        {.timeout = std::chrono::seconds(120)});
  }
  // Prometheus needs a scrape or two before its targets are up.
  void wait_for_scrape() {
    for (int i = 0; i < 100; ++i) {
      auto r = run_process(
          {"bash", "-c",
           fmt::format(
               "exec 3<>/dev/tcp/127.0.0.1/{0}; printf 'GET /api/v1/targets HTTP/1.0\\r\\n\\r\\n' >&3; "
               "cat <&3",
               prometheus->port())});
      if (r.out.find("\"health\":\"up\"") != std::string::npos) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  static test::PostgresServer* pg;
  static test::RedisServer* redis;
  static test::LocalProcess* probe;
  static test::LocalProcess* prometheus;
  Workspace ws;
};
test::PostgresServer* Validate::pg = nullptr;
test::RedisServer* Validate::redis = nullptr;
test::LocalProcess* Validate::probe = nullptr;
test::LocalProcess* Validate::prometheus = nullptr;

TEST_F(Validate, EveryCategoryPassesAgainstLiveServers) {
  wait_for_scrape();
  auto creds = ws.write("creds.env", "PG_PW=pg-s3cret\nREDIS_PW=redis-s3cret\n");
  auto r = validate(ws.write("targets.yaml", targets("PG_PW")), creds);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(std::ifstream(ws.dir / "evidence" / "validation.json"));
  EXPECT_TRUE(j["ok"].get<bool>());
  for (const auto& c : j["categories"]) EXPECT_EQ(c["failed"], 0) << c.dump();
  EXPECT_EQ(j["overall"]["failed"], 0);
  EXPECT_GE(j["overall"]["passed"], 9) << j.dump(2);
  EXPECT_NE(r.out.find("TOTAL"), std::string::npos);
  for (const auto& text : {r.out, r.err, j.dump()}) {
    EXPECT_EQ(text.find("pg-s3cret"), std::string::npos);
    EXPECT_EQ(text.find("redis-s3cret"), std::string::npos);
  }
}

TEST_F(Validate, AWrongPasswordFailsTheSuiteWithoutPrintingIt) {
  auto creds = ws.write("creds.env", "PG_PW=wrong-pa55\nREDIS_PW=redis-s3cret\n");
  auto r = validate(ws.write("targets.yaml", targets("PG_PW")), creds);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("FAILED"), std::string::npos);
  EXPECT_EQ((r.out + r.err).find("wrong-pa55"), std::string::npos);
}

// mongodb:// has no probe (postgres, mariadb/mysql and redis have): the file is refused at its line.
TEST_F(Validate, AMalformedTargetsFileNamesTheLine) {
  auto r = validate(ws.write("targets.yaml", "databases:\n  x: mongodb://h\n"), ws.write("c.env", ""));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("targets.yaml:2"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace rehome
