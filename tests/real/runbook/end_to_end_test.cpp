// The whole move on this machine: a real PostgreSQL and Redis play the old server, a second pair the
// new database server, a single-node Swarm (our own dockerd) the cluster. `rehome migrate run
// --execute` carries out phases 0-6 (1, the host firewall, is skipped: it would change this
// machine's firewall); it is killed in phase 3 and resumes; then `rehome report` writes the page.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/process.hpp"
#include "real/harness/dockerd.hpp"
#include "real/harness/postgres_server.hpp"
#include "real/harness/probe_image.hpp"
#include "real/harness/redis_server.hpp"
#include "real/harness/server_process.hpp"
#include "support/paths.hpp"

namespace rehome {
namespace {
using namespace std::chrono_literals;

constexpr const char* kPassword = "e2e-S3cret-pw";

struct Work {
  std::filesystem::path dir;
  Work() {
    dir = std::filesystem::temp_directory_path() / fmt::format("rehome-e2e-{}", ::getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~Work() { std::filesystem::remove_all(dir); }
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
    return dir / name;
  }
};

std::string estate_yaml(const std::string& node) {
  return fmt::format(R"(name: e2e
managers: 1
servers:
  {0}: {{address: 127.0.0.1, memory: 4G, cpu: 2, role: manager}}
services:
  shop-postgres: {{image: "{1}", stack: databases, category: database, memory: 64M, data: {{engine: postgres, databases: [shop]}}}}
  shop-redis: {{image: "{1}", stack: databases, category: cache, memory: 32M, data: {{engine: redis}}}}
  shop-api:
    image: "{1}"
    stack: production
    memory: 32M
    depends_on: [shop-postgres, shop-redis]
    healthcheck: {{test: [CMD, /probe, --check, "http://127.0.0.1:8080/health"], interval: 2s, timeout: 2s}}
)",
                     node, test::kProbeImage);
}

nlohmann::json read_json(const std::filesystem::path& p) { return nlohmann::json::parse(std::ifstream(p)); }

TEST(EndToEnd, MigrateRunCarriesOutPhases0To6ResumesAfterAKillInPhase3AndReports) {
  const std::string node = "e2e-node";
  test::PostgresServer old_pg({.password = kPassword}), new_pg({.password = kPassword});
  test::RedisServer old_redis({.password = kPassword}), new_redis({.password = kPassword});
  old_pg.create_database("shop");
  old_pg.psql(
      "CREATE TABLE orders(id bigint PRIMARY KEY, customer text, total numeric(12,2), at timestamptz);"
      "INSERT INTO orders SELECT g, 'customer ' || (g % 977), (g % 10000) / 100.0, '2026-01-01'::timestamptz "
      "+ g * "
      "interval '1 minute' FROM generate_series(1, 400000) g;"
      "CREATE TABLE customers(id int PRIMARY KEY, name text UNIQUE);"
      "INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 977) g;",
      "shop");
  for (int i = 0; i < 200; ++i)
    old_redis.cli({"SET", fmt::format("session:{}", i), fmt::format("user-{}", i)});

  test::DockerEngine engine({.name = "e2e", .hostname = node});
  test::build_probe_image(engine);

  Work work;
  auto estate = work.write("estate.yaml", estate_yaml(node));
  auto workdir = work.dir / "w";
  auto creds =
      work.write("credentials.env",
                 fmt::format("SHOP_POSTGRES_PASSWORD={0}\nSHOP_REDIS_PASSWORD={0}\n"
                             "SHOP_POSTGRES_OLD_PORT={1}\nSHOP_POSTGRES_NEW_PORT={2}\n"
                             "SHOP_REDIS_OLD_PORT={3}\nSHOP_REDIS_NEW_PORT={4}\n",
                             kPassword, old_pg.port(), new_pg.port(), old_redis.port(), new_redis.port()));
  auto targets =
      work.write("targets.yaml", fmt::format(R"(databases:
  shop-postgres: {{url: "postgres://postgres:${{SHOP_POSTGRES_PASSWORD}}@127.0.0.1:{0}/shop", query: "select count(*) from orders"}}
  shop-redis: "redis://:${{SHOP_REDIS_PASSWORD}}@127.0.0.1:{1}"
network:
  {2}: 127.0.0.1:{0}
security:
  closed: ["127.0.0.1:{3}"]
  localhost_only: [{0}, {1}]
resources:
  memory: 99%
  disk: {{"/": 99%}}
)",
                                             new_pg.port(), new_redis.port(), node, test::free_port()));
  std::vector<std::string> run{test::rehome_binary().string(),
                               "migrate",
                               "run",
                               estate.string(),
                               "--workdir",
                               workdir.string(),
                               "--execute",
                               "--credentials",
                               creds.string(),
                               "--targets",
                               targets.string(),
                               "--rehome",
                               test::rehome_binary().string(),
                               "--to-phase",
                               "6",
                               "--skip-phase",
                               "1"};
  std::map<std::string, std::string> env{{"DOCKER_HOST", engine.host()}};

  // First run, killed (the whole process group, as a lost terminal would) in the middle of phase 3.
  auto state_file = workdir / "state.json";
  // spawn() starts it in its own session and process group, so -pid reaches its children too.
  pid_t pid = test::spawn(run, {.log_file = work.dir / "first-run.log", .env = env});
  std::string killed_in;
  auto deadline = std::chrono::steady_clock::now() + 600s;
  while (std::chrono::steady_clock::now() < deadline && test::child_alive(pid)) {
    std::this_thread::sleep_for(20ms);
    nlohmann::json st;
    try {
      st = read_json(state_file);
    } catch (const std::exception&) {
      continue;
    }
    for (const auto& [id, rec] : st["steps"].items())
      if (id.rfind("3.", 0) == 0 && rec["status"] == "running" &&
          (id.find(".migrate.shop-postgres") != std::string::npos || killed_in.empty()))
        killed_in = id;
    if (!killed_in.empty() && killed_in.find(".migrate.") != std::string::npos) break;
    if (!killed_in.empty() && st["steps"].contains("3.migrate.shop-postgres.shop")) break;
  }
  bool alive = test::child_alive(pid);
  ASSERT_FALSE(killed_in.empty()) << "phase 3 never started (runner alive: " << alive
                                  << "): " << test::slurp(work.dir / "first-run.log")
                                  << "\nstate: " << test::slurp(state_file);
  ::kill(-pid, SIGKILL);
  test::wait_child(pid);
  std::cout << "killed the runner during step " << killed_in << "\n";
  EXPECT_EQ(read_json(state_file)["phases"]["3"]["status"], "running");

  // Second run: resumes, skips what is done, runs the interrupted step again, finishes phase 6.
  auto second = run_process(run, {.env = env, .timeout = 900s});
  std::string log = second.out + second.err;
  ASSERT_EQ(second.exit_code, 0) << test::slurp(work.dir / "first-run.log") << "\n---\n" << log;
  EXPECT_NE(log.find("already done"), std::string::npos) << log;
  EXPECT_NE(log.find("was interrupted"), std::string::npos) << log;
  EXPECT_EQ(log.find(kPassword), std::string::npos) << "a password reached the output";

  // The evidence: phases 0, 2-6 done (1 skipped), hashed backups, the copy equal on both sides.
  auto phases = read_json(workdir / "evidence" / "phases.json");
  std::cout << "phase timings:\n";
  for (const auto& p : phases["phases"]) {
    int n = p["number"];
    if (n > 6) continue;
    EXPECT_EQ(p["status"], n == 1 ? "skipped" : "done") << p.dump();
    std::cout << fmt::format("  {}. {:<16} {:<8} {} ms\n", n, p["name"].get<std::string>(),
                             p["status"].get<std::string>(), p["duration_ms"].get<long>());
  }
  EXPECT_EQ(new_pg.psql("select count(*) from orders", "shop"), "400000");
  EXPECT_EQ(new_pg.psql("select sum(total) from orders", "shop"),
            old_pg.psql("select sum(total) from orders", "shop"));
  EXPECT_EQ(new_redis.cli({"DBSIZE"}), old_redis.cli({"DBSIZE"}));
  for (const char* dump : {"shop-postgres.shop.dump", "shop-redis.rdb"}) {
    auto check = run_process({"sha256sum", "--check", "--status",
                              (workdir / "backups" / (std::string(dump) + ".sha256")).string()});
    EXPECT_TRUE(check.ok()) << dump;
  }
  auto services = engine.docker_ok({"service", "ls", "--format", "{{.Name}} {{.Replicas}}"});
  EXPECT_NE(services.find("production_shop-api 1/1"), std::string::npos) << services;
  EXPECT_NE(services.find("databases_shop-postgres 1/1"), std::string::npos) << services;

  auto validation = read_json(workdir / "evidence" / "validation.json");
  EXPECT_TRUE(validation["ok"].get<bool>()) << validation.dump(2);
  const auto& o = validation["overall"];
  std::cout << fmt::format("validation: {}/{} passed, {} skipped, {} partial, {} failed, score {:.0f}%\n",
                           o["passed"].get<int>(), o["total"].get<int>(), o["skipped"].get<int>(),
                           o["partial"].get<int>(), o["failed"].get<int>(), o["score_percent"].get<double>());

  // The report of the move.
  auto html = work.dir / "report.html";
  auto report = run_process({test::rehome_binary().string(), "report", estate.string(),
                             (workdir / "plan.yaml").string(), "--evidence", (workdir / "evidence").string(),
                             "-o", html.string(), "--markdown", (work.dir / "report.md").string()});
  ASSERT_EQ(report.exit_code, 0) << report.out << report.err;
  EXPECT_NE(report.out.find("Migrated"), std::string::npos) << report.out;
  std::string page = test::slurp(html);
  EXPECT_NE(page.find("shop-postgres.shop"), std::string::npos);
  EXPECT_EQ(page.find(kPassword), std::string::npos);
  std::filesystem::copy_file(html, test::binary_dir() / "e2e-report.html",
                             std::filesystem::copy_options::overwrite_existing);
}

}  // namespace
}  // namespace rehome
