// The whole move on this machine, every phase for real:
// - the server: a dockerd (our own data-root, exec-root, socket, pidfile) inside a network namespace
//   the test made, joined to this machine by a veth on 198.18.0.0/24; `rehome migrate run --netns`
//   runs that server's steps inside it, so phase 1 applies the generated firewall (iptables, one
//   chain) to the namespace and never to this machine;
// - a real PostgreSQL and Redis on loopback play the old databases, a second pair the new ones;
// - phase 2 makes the engine a single-node Swarm, 3 deploys the databases stack and copies the data
//   (killed in the middle and resumed), 4 the monitoring stack, 5 the application; 6 validates
//   (a real Prometheus on loopback scrapes the services' host-mode ports); then `rehome report`;
// - phase 7 on the same engine, where the old containers still sit beside the Swarm tasks (as on
//   the seeds' gmktec): refused before the verification window, then forced: old containers
//   stopped and removed, images pruned, Docker's own "Total reclaimed space" kept.
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
#include "local_services.hpp"
#include "real/harness/dockerd.hpp"
#include "real/harness/netns_link.hpp"
#include "real/harness/postgres_server.hpp"
#include "real/harness/probe_image.hpp"
#include "real/harness/redis_server.hpp"
#include "real/harness/server_process.hpp"
#include "support/paths.hpp"

namespace rehome {
namespace {
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kPassword = "e2e-S3cret-pw";
constexpr int kApiPort = 18080;      // shop-api, published host-mode on the server
constexpr int kMetricsPort = 19100;  // node-metrics (the monitoring stack), host-mode
constexpr int kSshPort = 22;         // a stand-in sshd inside the namespace: the firewall keeps it
constexpr int kClosedPort = 9100;    // listens inside the namespace: the firewall must close it
const char* const kOld[] = {"shop-postgres", "shop-redis", "node-metrics", "shop-api"};
constexpr const char* kLegacyImage = "e2e-legacy/shop:2019";

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

std::string estate_yaml(const std::string& node, const std::string& address) {
  return fmt::format(R"(name: e2e
managers: 1
servers:
  {0}: {{address: {2}, memory: 4G, cpu: 2, role: manager}}
services:
  shop-postgres: {{image: "{1}", stack: databases, category: database, memory: 64M, data: {{engine: postgres, databases: [shop]}}}}
  shop-redis: {{image: "{1}", stack: databases, category: cache, memory: 32M, data: {{engine: redis}}}}
  node-metrics:
    image: "{1}"
    stack: monitoring
    category: monitoring
    memory: 16M
    ports: [{{published: {4}, target: 8080, mode: host}}]
    healthcheck: {{test: [CMD, /probe, --check, "http://127.0.0.1:8080/metrics"], interval: 1s, timeout: 2s}}
  shop-api:
    image: "{1}"
    stack: production
    memory: 32M
    depends_on: [shop-postgres, shop-redis]
    ports: [{{published: {3}, target: 8080, mode: host}}]
    healthcheck: {{test: [CMD, /probe, --check, "http://127.0.0.1:8080/health"], interval: 1s, timeout: 2s}}
)",
                     node, test::kProbeImage, address, kApiPort, kMetricsPort);
}

nlohmann::json read_json(const std::filesystem::path& p) { return nlohmann::json::parse(std::ifstream(p)); }

// The old server's compose containers, as the move finds them: named after the services, from an
// image nothing else uses (the probe and 16 MiB of filler, `docker import`ed), so pruning it frees
// space Docker can count.
void start_old_containers(const test::DockerEngine& engine, const std::filesystem::path& dir) {
  auto root = dir / "legacy-rootfs";
  std::filesystem::create_directories(root);
  std::filesystem::copy_file(test::probe_binary(), root / "probe");
  ASSERT_TRUE(
      run_process({"dd", "if=/dev/urandom", "of=" + (root / "filler").string(), "bs=1M", "count=16"}).ok());
  auto tar = dir / "legacy.tar";
  ASSERT_TRUE(run_process({"tar", "-C", root.string(), "-cf", tar.string(), "."}).ok());
  engine.docker_ok({"import", "--change", "ENTRYPOINT [\"/probe\"]", tar.string(), kLegacyImage});
  for (const char* name : kOld)
    engine.docker_ok({"run", "-d", "--network", "none", "--name", name, kLegacyImage});
}

std::string running_names(const test::DockerEngine& engine, bool all) {
  std::vector<std::string> args{"ps", "--format", "{{.Names}} {{.Image}}"};
  if (all) args.insert(args.begin() + 1, "-a");
  return engine.docker_ok(args);
}

TEST(EndToEnd, MigrateRunCarriesOutEveryPhaseResumesAfterAKillInPhase3ReportsAndCleansUp) {
  auto t0 = Clock::now();
  const std::string node = "e2e-node";
  test::LinkedNamespace server("rehome-rb");
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

  test::DockerEngine engine({.name = "e2e", .netns = server.name(), .hostname = node});
  test::build_probe_image(engine);
  Work work;
  start_old_containers(engine, work.dir);
  auto sshd = test::start_probe_in(server, kSshPort);
  auto must_close = test::start_probe_in(server, kClosedPort);
  ASSERT_TRUE(test::tcp_answers(server.address(), kClosedPort)) << "before the firewall, the port is open";
  auto prometheus = test::start_prometheus({fmt::format("{}:{}", server.address(), kApiPort),
                                            fmt::format("{}:{}", server.address(), kMetricsPort)});
  std::cout << fmt::format("setup (servers, engine in netns {} at {}, old containers): {} ms\n",
                           server.name(), server.address(),
                           std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count());

  auto estate = work.write("estate.yaml", estate_yaml(node, server.address()));
  auto workdir = work.dir / "w";
  auto creds =
      work.write("credentials.env",
                 // The databases sit on this machine's loopback, not at the server's address: tunnels.
                 fmt::format("SHOP_POSTGRES_PASSWORD={0}\nSHOP_REDIS_PASSWORD={0}\n"
                             "SHOP_POSTGRES_OLD_HOST=127.0.0.1\nSHOP_POSTGRES_NEW_HOST=127.0.0.1\n"
                             "SHOP_REDIS_OLD_HOST=127.0.0.1\nSHOP_REDIS_NEW_HOST=127.0.0.1\n"
                             "SHOP_POSTGRES_OLD_PORT={1}\nSHOP_POSTGRES_NEW_PORT={2}\n"
                             "SHOP_REDIS_OLD_PORT={3}\nSHOP_REDIS_NEW_PORT={4}\n",
                             kPassword, old_pg.port(), new_pg.port(), old_redis.port(), new_redis.port()));
  auto targets = work.write(
      "targets.yaml", fmt::format(R"(databases:
  shop-postgres: {{url: "postgres://postgres:${{SHOP_POSTGRES_PASSWORD}}@127.0.0.1:{0}/shop", query: "select count(*) from orders"}}
  shop-redis: "redis://:${{SHOP_REDIS_PASSWORD}}@127.0.0.1:{1}"
services:
  shop-api: "http://{3}:{5}/health"
monitoring:
  prometheus: "http://127.0.0.1:{4}"
network:
  {2}: "{3}:{6}"
security:
  closed: ["{3}:{7}", "127.0.0.1:{8}"]
  localhost_only: [{0}, {1}]
resources:
  memory: 99%
  disk: {{"/": 99%}}
)",
                                  new_pg.port(), new_redis.port(), node, server.address(), prometheus->port(),
                                  kApiPort, kSshPort, kClosedPort, test::free_port()));
  auto run_args = [&](int from, int to, bool force) {
    std::vector<std::string> argv{test::rehome_binary().string(),
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
                                  "--firewall",
                                  "iptables",
                                  "--netns",
                                  node + "=" + server.name(),
                                  "--from-phase",
                                  std::to_string(from),
                                  "--to-phase",
                                  std::to_string(to)};
    if (force) argv.push_back("--force");
    return argv;
  };
  std::map<std::string, std::string> env{{"DOCKER_HOST", engine.host()}};

  // First run, killed (the whole process group, as a lost terminal would) in the middle of phase 3.
  auto state_file = workdir / "state.json";
  // spawn() starts it in its own session and process group, so -pid reaches its children too.
  pid_t pid = test::spawn(run_args(0, 6, false), {.log_file = work.dir / "first-run.log", .env = env});
  std::string killed_in;
  auto deadline = Clock::now() + 600s;
  while (Clock::now() < deadline && test::child_alive(pid)) {
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
  if (!alive) {  // it stopped on its own: what the engine says about the databases' tasks
    for (const char* svc : {"databases_shop-postgres", "databases_shop-redis"}) {
      std::cout << svc << ":\n"
                << engine.docker({"service", "ps", "--no-trunc", svc}).out
                << engine
                       .docker({"service", "inspect", "--format", "{{json .Endpoint}} {{json .UpdateStatus}}",
                                svc})
                       .out
                << "\n";
      auto id =
          engine.docker({"ps", "-q", "--filter", "label=com.docker.swarm.service.name=" + std::string(svc)})
              .out;
      id = id.substr(0, id.find('\n'));
      std::cout << engine
                       .docker({"inspect", "--format",
                                "{{json .NetworkSettings.Ports}} {{json .HostConfig.PortBindings}} {{json "
                                ".NetworkSettings.Networks}}",
                                id})
                       .out;
    }
    std::cout << engine.docker({"network", "ls"}).out;
    std::cout << run_process({"sh", "-c",
                              "grep -iE '15432|port|gwbridge' " + (engine.root() / "dockerd.log").string() +
                                  " | tail -20"})
                     .out;
  }
  ASSERT_FALSE(killed_in.empty()) << "phase 3 never started (runner alive: " << alive
                                  << "): " << test::slurp(work.dir / "first-run.log")
                                  << "\nstate: " << test::slurp(state_file);
  ::kill(-pid, SIGKILL);
  test::wait_child(pid);
  std::cout << "killed the runner during step " << killed_in << "\n";
  EXPECT_EQ(read_json(state_file)["phases"]["3"]["status"], "running");

  // Second run: resumes, skips what is done, runs the interrupted step again, finishes phase 6.
  auto second = run_process(run_args(0, 6, false), {.env = env, .timeout = 900s});
  std::string log = second.out + second.err;
  ASSERT_EQ(second.exit_code, 0) << test::slurp(work.dir / "first-run.log") << "\n---\n" << log;
  EXPECT_NE(log.find("already done"), std::string::npos) << log;
  EXPECT_NE(log.find("was interrupted"), std::string::npos) << log;
  EXPECT_EQ(log.find(kPassword), std::string::npos) << "a password reached the output";

  // Phase 1 for real, inside the namespace only: SSH still answers, the listening port that must be
  // closed is dropped, the application's published port answers; this machine's INPUT is untouched.
  EXPECT_TRUE(test::tcp_answers(server.address(), kSshPort));
  EXPECT_FALSE(test::tcp_answers(server.address(), kClosedPort)) << "the firewall left the port open";
  EXPECT_TRUE(test::tcp_answers(server.address(), kApiPort));
  auto inside = run_process(server.inside({"iptables", "-S", "rehome-input"}));
  EXPECT_NE(inside.out.find("--dport 18080 -j ACCEPT"), std::string::npos) << inside.out << inside.err;
  EXPECT_NE(inside.out.find("-A rehome-input -j DROP"), std::string::npos) << inside.out;
  EXPECT_EQ(run_process({"iptables", "-S", "INPUT"}).out.find("rehome-input"), std::string::npos)
      << "the firewall reached this machine's own INPUT chain";

  // The evidence: phases 0-6 done, hashed backups, the copy equal on both sides.
  auto phases = read_json(workdir / "evidence" / "phases.json");
  for (const auto& p : phases["phases"]) {
    if (p["number"].get<int>() <= 6) {
      EXPECT_EQ(p["status"], "done") << p.dump();
    }
  }
  EXPECT_EQ(new_pg.psql("select count(*) from orders", "shop"), "400000");
  EXPECT_EQ(new_pg.psql("select sum(total) from orders", "shop"),
            old_pg.psql("select sum(total) from orders", "shop"));
  // The target's keys are the source's and the mover's run record (_rehome:migrate:run).
  EXPECT_EQ(new_redis.cli({"EXISTS", "_rehome:migrate:run"}), "1");
  EXPECT_EQ(std::stoi(new_redis.cli({"DBSIZE"})), std::stoi(old_redis.cli({"DBSIZE"})) + 1);
  for (const char* dump : {"shop-postgres.shop.dump", "shop-redis.rdb"}) {
    auto check = run_process({"sha256sum", "--check", "--status",
                              (workdir / "backups" / (std::string(dump) + ".sha256")).string()});
    EXPECT_TRUE(check.ok()) << dump;
  }
  auto services = engine.docker_ok({"service", "ls", "--format", "{{.Name}} {{.Replicas}}"});
  EXPECT_NE(services.find("production_shop-api 1/1"), std::string::npos) << services;
  EXPECT_NE(services.find("databases_shop-postgres 1/1"), std::string::npos) << services;
  EXPECT_NE(services.find("monitoring_node-metrics 1/1"), std::string::npos) << services;
  // Monitoring is its own phase: deployed in 4, before the application in 5.
  const auto& p4 = phases["phases"][4]["steps"];
  ASSERT_EQ(p4.size(), 1u) << p4.dump();
  EXPECT_EQ(p4[0]["id"], "4.deploy.monitoring");

  auto validation = read_json(workdir / "evidence" / "validation.json");
  EXPECT_TRUE(validation["ok"].get<bool>()) << validation.dump(2);
  const auto& o = validation["overall"];
  EXPECT_EQ(o["passed"], o["total"]) << "every probe passes: " << validation.dump(2);

  // Phase 7: refused inside the verification window (72 h by default)...
  auto refused = run_process(run_args(7, 7, false), {.env = env, .timeout = 120s});
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_NE(refused.out.find("waits for the verification window"), std::string::npos) << refused.out;
  EXPECT_NE(running_names(engine, false).find("shop-api " + std::string(kLegacyImage)), std::string::npos)
      << "a refused cleanup stopped something";
  // ...then forced: the old containers stopped and removed, their image pruned, the Swarm untouched.
  auto cleanup = run_process(run_args(7, 7, true), {.env = env, .timeout = 300s});
  ASSERT_EQ(cleanup.exit_code, 0) << cleanup.out << cleanup.err;
  std::string left = running_names(engine, true);
  for (const char* name : kOld) {
    EXPECT_EQ(left.find(std::string(name) + " "), std::string::npos) << left;
  }
  EXPECT_EQ(engine.docker_ok({"image", "ls", "-q", kLegacyImage}), "");
  EXPECT_NE(engine.docker_ok({"service", "ls", "--format", "{{.Name}} {{.Replicas}}"})
                .find("production_shop-api 1/1"),
            std::string::npos);
  auto state = read_json(state_file);
  std::string reclaimed = state["steps"]["7.prune-images"]["output"];
  EXPECT_NE(reclaimed.find("Total reclaimed space: "), std::string::npos) << reclaimed;
  EXPECT_EQ(reclaimed.find("space: 0B"), std::string::npos) << reclaimed;

  phases = read_json(workdir / "evidence" / "phases.json");
  std::cout << "phase timings:\n";
  long total = 0;
  for (const auto& p : phases["phases"]) {
    EXPECT_EQ(p["status"], "done") << p.dump();
    total += p["duration_ms"].get<long>();
    std::cout << fmt::format("  {}. {:<16} {:<8} {:>6} ms\n", p["number"].get<int>(),
                             p["name"].get<std::string>(), p["status"].get<std::string>(),
                             p["duration_ms"].get<long>());
  }
  std::cout << fmt::format("  all phases       {:>15} ms\n", total);
  std::cout << fmt::format("validation: {}/{} passed, {} skipped, {} partial, {} failed, score {:.0f}%\n",
                           o["passed"].get<int>(), o["total"].get<int>(), o["skipped"].get<int>(),
                           o["partial"].get<int>(), o["failed"].get<int>(), o["score_percent"].get<double>());
  std::cout << "cleanup: " << reclaimed << "\n";

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
  EXPECT_EQ(test::slurp(work.dir / "report.md").find(kPassword), std::string::npos);
  std::filesystem::copy_file(html, test::binary_dir() / "e2e-report.html",
                             std::filesystem::copy_options::overwrite_existing);
  std::cout << fmt::format("end-to-end test: {} s in all\n",
                           std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - t0).count());
}

}  // namespace
}  // namespace rehome
