// `rehome move --execute` end to end (issue 20, "How it is shown"): an "old host" dockerd (its own
// network namespace on the test net, 198.18.0.14) runs a compose estate (tests/data/move-e2e: real
// Debian-built PostgreSQL, MariaDB, Redis, the writer app writing to each database and to its volume,
// a web page, an nginx edge); a 3-manager + 1-worker Swarm in network namespaces with a private
// registry is the new cluster. The estate is imported with `rehome import compose`, then
// `rehome move --execute` (the built binary, as a person runs it) is SIGKILLed at three points and
// run again with the same command each time, until it is done. REHOME_MOVE_KILLS=N picks N kill points
// instead (a step of the move's dry run and a delay after it starts), drawn from REHOME_FAULT_SEED
// (default: a fresh seed), both printed: scripts/fault-move.sh runs the 20 of issue 22's campaign. Before
// them, the link of node0 (the leader, where the move deploys) is cut for 20 s once the deploy step runs
// (issue 22's "link cut mid-deploy"; REHOME_MOVE_LINK_CUT=STEP:NODE:SECONDS, or off): the move rides it
// out, or stops naming the server and the same command finishes. Then,
// checked independently of rehome (psql, mariadb, redis-cli in the containers; find | sha256sum on both
// volumes' folders):
//   - every row, key and file of the old side is on the new side, equal;
//   - every write the app acknowledged before the freeze is there;
//   - the app answers through the new edge (HTTP on port 80 of the edge node);
//   - the drill killed a node and its measured recovery is in the report, which headless Chromium
//     renders with its Downtime and drill sections;
//   - the freeze window per service and the whole move's time are printed.
// Run under `flock /tmp/rehome-netns.lock` (fixed addresses on 198.18.0.0/24).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <iostream>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"
#include "common/process.hpp"
#include "move/evidence.hpp"
#include "move/journal.hpp"
#include "real/harness/debian_image.hpp"
#include "real/harness/netns_cluster.hpp"
#include "real/harness/registry.hpp"
#include "support/paths.hpp"

namespace rehome {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kDbPassword = "e2e-pg-pw-never-printed";
constexpr const char* kSqlPassword = "e2e-sql-pw-never-printed";
constexpr const char* kRunner = "198.18.0.1";  // this machine's address on the test bridge
constexpr size_t kOld = 4;                     // the old host's engine in the cluster's list

double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string sh(const std::string& script, std::map<std::string, std::string> env = {}) {
  auto r = run_process({"bash", "-c", script}, {.env = std::move(env), .timeout = 120s});
  EXPECT_TRUE(r.ok()) << script << "\n" << r.out << r.err;
  return r.out;
}

// The highest n acknowledged per store ("ack pg 12") and the writer's id, from a writer's log.
struct Acks {
  std::string writer;
  std::map<std::string, long> last;
};
Acks acks_of(const std::string& log) {
  Acks a;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (auto at = line.find(" writer ");
        at != std::string::npos && line.find(": writing to") != std::string::npos)
      a.writer = line.substr(at + 8, line.find(':', at + 8) - at - 8);
    if (auto at = line.find(" ack "); at != std::string::npos) {
      std::istringstream words(line.substr(at + 5));
      std::string store;
      long n = 0;
      words >> store >> n;
      a.last[store] = std::max(a.last[store], n);
    }
  }
  return a;
}

// Where a run of the move is SIGKILLed: once the journal shows `step` running (or done), after `delay`.
struct KillPoint {
  std::string step;
  std::chrono::milliseconds delay{0};
};

// A link cut (issue 22, "mid-deploy"): once the journal shows `step` running, the link of the cluster's
// engine `node` goes down for `seconds`, then up again. `make test`'s: the leader and the runner's
// manager (node0), 20 s (past Swarm's leader election), from the start of the deploy of the stack.
// REHOME_MOVE_LINK_CUT=STEP:NODE:SECONDS picks another, =off none.
struct LinkCut {
  std::string step;
  size_t node = 0;
  std::chrono::seconds seconds{0};
};
std::optional<LinkCut> link_cut() {
  const char* env = std::getenv("REHOME_MOVE_LINK_CUT");
  if (!env || !*env) return LinkCut{"05.deploy.shop", 0, 20s};
  const std::string v = env;
  if (v == "off") return std::nullopt;
  const auto a = v.find(':'), b = v.rfind(':');
  return LinkCut{v.substr(0, a), std::stoul(v.substr(a + 1, b - a - 1)),
                 std::chrono::seconds(std::stol(v.substr(b + 1)))};
}

// The fixed three of `make test`, or REHOME_MOVE_KILLS=N points drawn with the seed from the dry run's
// steps (`ids`, in order): N distinct steps in the move's order (repeated when N exceeds the steps),
// each with a delay of 0-3 s after the step starts, so a kill lands inside a step as often as at its start.
std::vector<KillPoint> kill_points(const std::vector<std::string>& ids, std::uint64_t* seed_out) {
  const char* n_env = std::getenv("REHOME_MOVE_KILLS");
  if (!n_env || !*n_env) return {{"07.copy.sql"}, {"09.final-sync.db.app"}, {"13.writers.shop"}};
  const size_t n = std::stoul(n_env);
  const char* seed_env = std::getenv("REHOME_FAULT_SEED");
  const std::uint64_t seed = seed_env && *seed_env ? std::stoull(seed_env) : std::random_device{}();
  *seed_out = seed;
  std::mt19937_64 rng(seed);
  std::vector<size_t> all(ids.size()), chosen;
  std::iota(all.begin(), all.end(), size_t{0});
  while (chosen.size() < n)  // std::sample keeps the order it drew from: the move's
    std::sample(all.begin(), all.end(), std::back_inserter(chosen), std::min(n - chosen.size(), all.size()),
                rng);
  std::stable_sort(chosen.begin(), chosen.end());
  std::uniform_int_distribution<int> delay(0, 3000);
  std::vector<KillPoint> out;
  for (size_t i : chosen) out.push_back({ids[i], std::chrono::milliseconds(delay(rng))});
  return out;
}

class MoveEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / fmt::format("rehome-move-e2e-{}", ::getpid());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir);
  }

  ProcessResult rehome(const std::vector<std::string>& args, std::chrono::milliseconds timeout = 120s) {
    std::vector<std::string> argv{(test::binary_dir() / "rehome").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, {.cwd = dir, .timeout = timeout});
  }

  fs::path dir;
};

// The container of a Swarm service's running task, and the engine it runs on.
struct Task {
  test::DockerEngine* engine = nullptr;
  std::string container;
};
Task task_of(test::NetnsCluster& cluster, const std::string& service) {
  for (size_t i = 0; i < 4; ++i) {
    auto id = trim(cluster.engine(i)
                       .docker({"ps", "-q", "--filter", "label=com.docker.swarm.service.name=" + service})
                       .out);
    if (!id.empty()) return {&cluster.engine(i), id.substr(0, id.find('\n'))};
  }
  return {};
}

TEST_F(MoveEndToEnd, MovesAComposeEstateOntoTheSwarmKilledThreeTimesAndResumedWithEveryAckedWrite) {
  const auto started = std::chrono::steady_clock::now();
  const std::vector<std::string> images{"postgres", "mariadb", "redis", "nginx", "writer"};
  for (const auto& i : images) test::debian_image_tarball(i);
  std::cout << fmt::format("[ images   ] tarballs ready at {:.1f} s\n", since(started));

  test::NetnsCluster cluster(
      {.hostnames = {"node0", "node1", "node2", "node3", "old"}, .managers = 3, .registry = true});
  auto& lead = cluster.engine(0);
  auto& old = cluster.engine(kOld);
  // The old host is on the test net but not in the Swarm; this machine gets an address on the bridge
  // (the runner, where rehome and its movers run).
  old.docker_ok({"swarm", "leave", "--force"});
  ASSERT_TRUE(test::wait_until([&] { return lead.docker({"node", "rm", "--force", "old"}).ok(); }, 30s, 1s));
  sh(fmt::format("ip addr add {}/24 dev rhb{}", kRunner, ::getpid()));
  std::cout << fmt::format("[ cluster  ] 3 managers + 1 worker, registry, old host at {:.1f} s\n",
                           since(started));
  // The images: pushed to the registry from node0; the old host has its own (tagged as the compose file
  // names them: it never pulls). Both at once.
  auto pushed = std::async(std::launch::async, [&] {
    for (const auto& i : images) {
      test::import_debian_image(lead, i);
      test::push_to_registry(lead, cluster.registry(), test::debian_image_tag(i));
    }
  });
  for (const auto& i : images) {
    test::import_debian_image(old, i);
    old.docker_ok({"tag", test::debian_image_tag(i), cluster.registry() + "/" + test::debian_image_tag(i)});
  }
  pushed.get();
  std::cout << fmt::format("[ images   ] imported and pushed at {:.1f} s\n", since(started));

  // The old host: the compose estate, with files already in the app's volume.
  fs::copy(test::source_dir() / "tests/data/move-e2e", dir, fs::copy_options::recursive);
  write_file_atomically(dir / "db_password.txt", kDbPassword);
  write_file_atomically(dir / "sql_password.txt", kSqlPassword);
  // Where bootstrap.sh reads the Swarm secrets' values ($SECRETS_DIR, default ./secrets).
  write_file_atomically(dir / "secrets/db_password", kDbPassword);
  write_file_atomically(dir / "secrets/sql_password", kSqlPassword);
  old.docker_ok({"volume", "create", "--label", "com.docker.compose.project=shop", "--label",
                 "com.docker.compose.volume=app-data", "shop_app-data"});
  sh(
      fmt::format("cd '{}' && mkdir -p static/a static/b && for i in $(seq 1 60); do head -c $((i * 900)) "
                  "/dev/urandom > static/a/f$i; done && ln -s a/f1 static/link && echo hi > static/b/x",
                  old.volume_data("shop_app-data").string()));
  auto up = run_process({"docker-compose", "-p", "shop", "-f", "compose.yml", "up", "-d"},
                        {.env = {{"DOCKER_HOST", old.host()}}, .cwd = dir, .timeout = 180s});
  ASSERT_TRUE(up.ok()) << up.out << up.err;
  // A compose service's container on the old host (docker-compose 1.29 names them shop_app_1).
  auto old_container = [&](const std::string& service) {
    auto id = trim(old.docker_ok({"ps", "-aq", "--filter", "label=com.docker.compose.service=" + service}));
    return id.substr(0, id.find('\n'));
  };
  auto old_app = [&] {
    auto r = old.docker({"logs", old_container("app")});
    return r.out + r.err;
  };
  ASSERT_TRUE(test::wait_until(
      [&] {
        auto a = acks_of(old_app());
        return a.last["pg"] >= 5 && a.last["mariadb"] >= 5 && a.last["redis"] >= 5 && a.last["file"] >= 5;
      },
      120s, 1s))
      << old_app();
  std::cout << fmt::format("[ old host ] compose estate writing at {:.1f} s\n", since(started));

  auto imported = rehome({"import", "compose", "compose.yml", "-p", "shop", "--servers", "servers.yaml",
                          "--registry", cluster.registry(), "-o", "estate.yaml"});
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  write_file_atomically(dir / "credentials.env",
                        fmt::format("DB_PASSWORD={}\nDB_OLD_HOST={}\nSQL_PASSWORD={}\nSQL_OLD_HOST={}\n"
                                    "CACHE_OLD_HOST={}\n",
                                    kDbPassword, cluster.address(kOld), kSqlPassword, cluster.address(kOld),
                                    cluster.address(kOld)));
  std::string stop = "case {server} in";
  for (size_t i = 0; i < 4; ++i)
    stop += fmt::format(" {}) kill -KILL {};;", cluster.hostname(i), cluster.engine(i).pid());
  stop += " esac";
  std::vector<std::string> move{(test::binary_dir() / "rehome").string(),
                                "move",
                                "estate.yaml",
                                "--work-dir",
                                "work",
                                "--execute",
                                "--yes",
                                "--old-server",
                                "node0",
                                "--old-engine",
                                old.host(),
                                "--compose-project",
                                "shop",
                                "--runner-address",
                                kRunner,
                                "--credentials",
                                "credentials.env",
                                "--rehome",
                                (test::binary_dir() / "rehome").string(),
                                "--converge-timeout",
                                "120",
                                "--drill-stop-command",
                                stop,
                                "--drill-flags",
                                "--dispatcher-heartbeat 2s --image-pull 0s --timeout 60s"};
  for (size_t i = 0; i < 4; ++i) {
    move.insert(move.end(), {"--engine", cluster.hostname(i) + "=" + cluster.engine(i).host()});
    move.insert(move.end(), {"--netns", cluster.hostname(i) + "=" + cluster.netns(i)});
  }
  // No sshd in the test: bootstrap.sh reaches "the other servers" with `ssh user@address cmd`; this
  // ssh runs cmd in that server's namespace against its engine, as ssh would on the server.
  std::string cases;
  for (size_t i = 0; i < 4; ++i)
    cases += fmt::format("  {}) ns={}; export DOCKER_HOST={} ;;\n", cluster.address(i), cluster.netns(i),
                         cluster.engine(i).host());
  fs::create_directories(dir / "bin");
  write_file_atomically(dir / "bin/ssh", fmt::format(R"(#!/bin/bash
while [[ $# -gt 0 && $1 == -* ]]; do case $1 in -[opliF]) shift 2 ;; *) shift ;; esac; done
dest="${{1#*@}}"
shift
case "$dest" in
{}  *) echo "ssh: no test server at $dest" >&2; exit 255 ;;
esac
exec nsenter --net=/var/run/netns/$ns -- sh -c "$*"
)",
                                                     cases));
  fs::permissions(dir / "bin/ssh", fs::perms::owner_all, fs::perm_options::add);
  const std::string path = (dir / "bin").string() + ":" + std::getenv("PATH");
  std::string log;
  // The link cut, done by the first run that reaches its step (then never again).
  std::optional<LinkCut> cut = link_cut();
  const std::string cut_step = cut ? cut->step : "", cut_host = cut ? cluster.hostname(cut->node) : "";
  bool cut_in_run = false;  // the run that just ended had the link down for a while
  std::optional<std::chrono::steady_clock::time_point> cut_since;
  auto cut_watch = [&] {
    if (!cut) return;
    if (!cut_since) {
      auto jr = move::load_journal(dir / "work/journal.json");
      auto it = jr.steps.find(cut->step);
      if (it != jr.steps.end() && it->second.status == "running") {
        cluster.link_down(cut->node);
        cut_since = std::chrono::steady_clock::now();
        cut_in_run = true;
        std::cout << fmt::format("[ link cut ] {} down at {} (running), at {:.1f} s\n",
                                 cluster.hostname(cut->node), cut->step, since(started));
      }
    } else if (std::chrono::steady_clock::now() - *cut_since >= cut->seconds) {
      cluster.link_up(cut->node);
      std::cout << fmt::format("[ link cut ] {} up again after {} s, at {:.1f} s\n",
                               cluster.hostname(cut->node), cut->seconds.count(), since(started));
      cut.reset();
    }
  };
  // Runs the move; with a kill point, SIGKILLs it `delay` after the journal shows that step running (or
  // done: a step quicker than the watch is killed just after). Returns the exit status (128+9 when killed).
  // A run that ends with the link still down waits for it to come back up before returning.
  auto run_move = [&](const KillPoint& kill_at) {
    cut_in_run = false;
    pid_t pid = ::fork();
    if (pid == 0) {
      ::chdir(dir.c_str());
      ::setenv("PATH", path.c_str(), 1);
      std::string out = (dir / "move.log").string();
      int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> argv;
      for (auto& a : move) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    int status = 0;
    std::optional<std::chrono::steady_clock::time_point> seen;
    std::string seen_status;
    for (;;) {
      cut_watch();
      if (::waitpid(pid, &status, WNOHANG) == pid) break;
      if (!kill_at.step.empty() && !seen) {
        auto jr = move::load_journal(dir / "work/journal.json");
        auto it = jr.steps.find(kill_at.step);
        if (it != jr.steps.end() && (it->second.status == "running" || it->second.status == "done")) {
          seen = std::chrono::steady_clock::now();
          seen_status = it->second.status;
        }
      }
      if (seen && std::chrono::steady_clock::now() - *seen >= kill_at.delay) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        std::cout << fmt::format("[ kill -9  ] at {} ({}) + {} ms, at {:.1f} s\n", kill_at.step, seen_status,
                                 kill_at.delay.count(), since(started));
        break;
      }
      std::this_thread::sleep_for(50ms);
    }
    while (cut && cut_since) {
      cut_watch();
      std::this_thread::sleep_for(50ms);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  };
  // The kill points: the dry run's steps (the same command without --execute) give the random ones.
  std::vector<std::string> dry(move.begin() + 1, move.end());
  dry.erase(std::find(dry.begin(), dry.end(), "--execute"));
  dry.erase(std::find(dry.begin(), dry.end(), "--yes"));
  dry.push_back("--json");
  auto planned = rehome(dry);
  ASSERT_EQ(planned.exit_code, 0) << planned.out << planned.err;
  std::vector<std::string> ids;
  const json dry_run = json::parse(planned.out);  // kept: a range-for over parse(...).at() would dangle
  for (const auto& st : dry_run.at("steps")) ids.push_back(st.at("id").get<std::string>());
  ASSERT_FALSE(ids.empty()) << planned.out;
  std::uint64_t seed = 0;
  const auto points = kill_points(ids, &seed);
  if (std::getenv("REHOME_MOVE_KILLS")) {
    std::cout << fmt::format(
        "[ faults   ] REHOME_FAULT_SEED={} REHOME_MOVE_KILLS={}: {} kill points of {} steps:", seed,
        points.size(), points.size(), ids.size());
    for (const auto& p : points) std::cout << fmt::format(" {}+{}ms", p.step, p.delay.count());
    std::cout << "\n";
  }
  const auto move_started = std::chrono::steady_clock::now();
  // Each kill point kills a run (137); a run that ends first (its point lay past the end) is the last.
  // A run the link cut stopped (exit 2) must say where and what to do; the same command runs again.
  int kills = 0, rc = -1, cut_stops = 0;
  std::string cut_outcome = "no cut";
  for (size_t next = 0, runs = 0; runs < points.size() + 5; ++runs) {
    const auto log_size = fs::exists(dir / "move.log") ? fs::file_size(dir / "move.log") : 0;
    rc = run_move(next < points.size() ? points[next] : KillPoint{});
    if (cut_in_run) {
      const std::string said = read_file(dir / "move.log").substr(log_size);
      const auto jr = move::load_journal(dir / "work/journal.json");
      const auto st = jr.steps.find(cut_step);
      const bool ridden_out = st != jr.steps.end() && st->second.status == "done";
      cut_outcome = ridden_out  ? fmt::format("ridden out: {} done in {} ms, {} attempt(s)", cut_step,
                                              st->second.duration_ms, st->second.attempts)
                    : rc == 137 ? "the run was killed during it"
                                : fmt::format("the run stopped (exit {}), then the same command again", rc);
      std::cout << fmt::format("[ link cut ] {}\n", cut_outcome);
      if (rc != 0 && rc != 137 && !ridden_out) {
        ++cut_stops;
        EXPECT_NE(said.find(cut_host), std::string::npos) << "the stop names no server:\n" << said;
        EXPECT_NE(said.find("run --execute again"), std::string::npos) << said;
        EXPECT_NE(said.find("Stopped at"), std::string::npos) << said;
        continue;
      }
    }
    if (rc != 137) break;
    ++kills;
    ++next;
  }
  if (rc == 137 || rc == -1) rc = run_move({});
  log = read_file(dir / "move.log");
  std::cout << log;
  ASSERT_EQ(rc, 0) << log;
  if (!std::getenv("REHOME_MOVE_KILLS")) {
    EXPECT_EQ(kills, 3);
  }
  const double move_seconds = since(move_started);
  EXPECT_EQ(log.find(kDbPassword), std::string::npos);
  EXPECT_EQ(log.find(kSqlPassword), std::string::npos);

  // The old writer's acknowledged writes (it was stopped by the freeze: its log is final).
  const Acks acked = acks_of(old_app());
  ASSERT_FALSE(acked.writer.empty()) << old_app();
  EXPECT_EQ(trim(old.docker_ok({"inspect", "-f", "{{.State.Running}}", old_container("app")})), "false");

  // The independent data checks; each that fails is data lost (counted for the fault campaign's line).
  int checks = 0, lost = 0;
  auto data_check = [&](bool ok, const std::string& what) {
    ++checks;
    if (!ok) ++lost;
    EXPECT_TRUE(ok) << what;
  };
  // PostgreSQL: the old writer's rows, equal on both sides; every acknowledged one there.
  const std::string pg_rows =
      fmt::format("select writer, n, at from rehome_writes where writer = '{}' order by n", acked.writer);
  auto new_db = task_of(cluster, "shop_db");
  ASSERT_NE(new_db.engine, nullptr);
  auto old_pg =
      old.docker_ok({"exec", old_container("db"), "psql", "-U", "postgres", "-d", "app", "-Atc", pg_rows});
  auto new_pg = new_db.engine->docker_ok(
      {"exec", new_db.container, "psql", "-U", "postgres", "-d", "app", "-Atc", pg_rows});
  data_check(old_pg == new_pg, "PostgreSQL rows differ:\n" + old_pg + "---\n" + new_pg);
  const auto pg_acked = trim(new_db.engine->docker_ok(
      {"exec", new_db.container, "psql", "-U", "postgres", "-d", "app", "-Atc",
       fmt::format("select count(*) from rehome_writes where writer = '{}' and n <= {}", acked.writer,
                   acked.last.at("pg"))}));
  data_check(pg_acked == std::to_string(acked.last.at("pg")),
             fmt::format("PostgreSQL: {} of {} acknowledged rows", pg_acked, acked.last.at("pg")));
  // MariaDB, the same.
  const std::string sql_rows =
      fmt::format("select writer, n, at from rehome_writes where writer = '{}' order by n", acked.writer);
  auto new_sql = task_of(cluster, "shop_sql");
  ASSERT_NE(new_sql.engine, nullptr);
  auto old_my = old.docker_ok({"exec", "-e", std::string("MYSQL_PWD=") + kSqlPassword, old_container("sql"),
                               "mariadb", "-uroot", "-N", "app", "-e", sql_rows});
  auto new_my =
      new_sql.engine->docker_ok({"exec", "-e", std::string("MYSQL_PWD=") + kSqlPassword, new_sql.container,
                                 "mariadb", "-uroot", "-N", "app", "-e", sql_rows});
  data_check(old_my == new_my, "MariaDB rows differ:\n" + old_my + "---\n" + new_my);
  data_check(static_cast<long>(std::count(new_my.begin(), new_my.end(), '\n')) >= acked.last.at("mariadb"),
             fmt::format("MariaDB: fewer rows than the {} acknowledged", acked.last.at("mariadb")));
  // Redis: the old writer's list entries, in order.
  auto new_cache = task_of(cluster, "shop_cache");
  ASSERT_NE(new_cache.engine, nullptr);
  auto old_list =
      old.docker_ok({"exec", old_container("cache"), "redis-cli", "LRANGE", "rehome_writes", "0", "-1"});
  auto new_list = new_cache.engine->docker_ok(
      {"exec", new_cache.container, "redis-cli", "LRANGE", "rehome_writes", "0", "-1"});
  auto mine = [&](const std::string& list) {
    std::string out;
    std::istringstream in(list);
    for (std::string l; std::getline(in, l);)
      if (l.rfind(acked.writer + " ", 0) == 0) out += l + "\n";
    return out;
  };
  data_check(mine(old_list) == mine(new_list), "Redis lists differ:\n" + old_list + "---\n" + new_list);
  data_check(
      mine(new_list).find(fmt::format("{} {}\n", acked.writer, acked.last.at("redis"))) != std::string::npos,
      fmt::format("Redis: acknowledged entry {} missing", acked.last.at("redis")));
  // The volume: every file's sha256 equal, except the log the new writer appends to, of which the
  // old one is the start.
  auto new_app = task_of(cluster, "shop_app");
  ASSERT_NE(new_app.engine, nullptr);
  const auto src = old.volume_data("shop_app-data"), dst = new_app.engine->volume_data("shop_shop_app-data");
  auto sums = [&](const fs::path& d) {
    return sh(
        fmt::format("cd '{}' && find . \\( -type f -o -type l \\) ! -name writes.log -print0 | sort -z | "
                    "xargs -0 sha256sum",
                    d.string()));
  };
  const auto old_sums = sums(src), new_sums = sums(dst);
  data_check(old_sums == new_sums, "volume files differ:\n" + old_sums + "---\n" + new_sums);
  const std::string old_log = read_file(src / "writes.log"), new_log = read_file(dst / "writes.log");
  data_check(new_log.substr(0, old_log.size()) == old_log, "the new writes.log does not start with the old");
  data_check(old_log.find(fmt::format("{} {}\n", acked.writer, acked.last.at("file"))) != std::string::npos,
             fmt::format("volume: acknowledged line {} missing", acked.last.at("file")));

  // scripts/fault-move.sh reads this line (docs/faults.md, "Fault campaign").
  std::cout << fmt::format(
      "[ campaign ] kill -9 of rehome move: seed {}, kills {}, survived {}, data lost {} ({} of {} "
      "independent "
      "checks failed), move {:.1f} s\n",
      seed, kills, rc == 0 ? kills : 0, lost > 0 ? "yes" : "no", lost, checks, move_seconds);
  std::cout << fmt::format("[ campaign ] link cut mid-deploy: {}; {} stop(s), then done; data lost {}\n",
                           cut_outcome, cut_stops, lost > 0 ? "yes" : "no");

  // The app answers through the new edge.
  std::string page;
  bool answers = test::wait_until(
      [&] {
        auto r =
            run_process({"curl", "-sf", "--max-time", "3", fmt::format("http://{}/", cluster.address(0))});
        page = r.out;
        return r.ok();
      },
      60s, 1s);
  EXPECT_TRUE(answers) << page;
  EXPECT_NE(page.find("rehome test nginx"), std::string::npos) << page;

  // The figures: the freeze per service and the whole move, as rehome measured them.
  auto ev =
      move::move_evidence_from_json(json::parse(read_file(dir / "work/evidence/move.json")), "move.json");
  EXPECT_EQ(ev.status, "done");
  ASSERT_FALSE(ev.downtime.empty());
  for (const auto& d : ev.downtime) {
    EXPECT_GT(d.window_ms, 0) << d.service;
    std::cout << fmt::format("[ figures  ] write freeze of {}: {} ms ({})\n", d.service, d.window_ms,
                             d.clock);
  }
  auto jr = move::load_journal(dir / "work/journal.json");
  for (const auto& [id, e] : jr.steps)
    if (id >= "08." && id < "14.")  // the steps under the write freeze: freeze to new writers
      std::cout << fmt::format("[ figures  ] {}: {} ms, {} attempt(s) {}\n", id, e.duration_ms, e.attempts,
                               e.summary);
  std::cout << fmt::format(
      "[ figures  ] the whole move: {} ms measured by rehome, {:.1f} s by the test ({} kills)\n", ev.total_ms,
      move_seconds, kills);

  // The drill's recovery is in the report; Chromium renders it with the Downtime and drill sections.
  const auto report = dir / "work/report.html";
  ASSERT_TRUE(fs::exists(report));
  auto dom = run_process(
      {"chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
       "--disable-component-update", "--disable-sync", "--no-first-run",
       "--user-data-dir=" + (dir / "chromium").string(), "--dump-dom", "file://" + report.string()},
      {.timeout = 90s});
  ASSERT_TRUE(dom.ok()) << dom.err;
  // Both sections hold what the move measured, not their "not run yet" notes.
  auto section = [&](const std::string& id) {
    auto at = dom.out.find("<section id=\"" + id + "\">");
    return at == std::string::npos ? std::string() : dom.out.substr(at, dom.out.find("</section>", at) - at);
  };
  const std::string downtime = section("downtime"), drilled = section("drill");
  EXPECT_NE(downtime.find("<h2>Downtime</h2>"), std::string::npos) << downtime;
  EXPECT_EQ(downtime.find("No cutover recorded"), std::string::npos) << downtime;
  EXPECT_NE(downtime.find("<td>app</td>"), std::string::npos) << downtime;
  EXPECT_NE(drilled.find("Drill: a node killed, recovery measured"), std::string::npos) << drilled;
  EXPECT_EQ(drilled.find("Not run yet"), std::string::npos) << drilled;
  EXPECT_NE(drilled.find("node3"), std::string::npos) << drilled;
  auto drill = json::parse(read_file(dir / "work/evidence/drill.json"));
  std::cout << "[ drill    ] " << drill.dump().substr(0, 600) << "\n";
  std::cout << fmt::format("[ done     ] in {:.1f} s\n", since(started));
}

}  // namespace
}  // namespace rehome
