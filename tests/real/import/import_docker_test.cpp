// `rehome import docker` against a real dockerd of our own (the harness's DockerEngine): a handful of
// probe containers with limits, a volume, a user network, restart policies and health checks; the
// import's figures must agree with `docker inspect` and `docker stats --no-stream`.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/process.hpp"
#include "import/docker_engine.hpp"
#include "import/estate_output.hpp"
#include "model/units.hpp"
#include "real/harness/dockerd.hpp"
#include "real/harness/probe_image.hpp"
#include "support/paths.hpp"

namespace rehome::test {
namespace {
using namespace std::chrono_literals;
using model::MiB;
using ::testing::HasSubstr;

// "40.54MiB / 128MiB" -> bytes of the first figure.
model::Bytes stats_usage(const std::string& mem_usage) {
  std::string first = mem_usage.substr(0, mem_usage.find('/'));
  while (!first.empty() && first.back() == ' ') first.pop_back();
  double value = std::stod(first);
  std::string unit = first.substr(first.find_first_not_of("0123456789."));
  double scale = unit == "GiB" ? 1024.0 * MiB : unit == "MiB" ? MiB : unit == "KiB" ? 1024.0 : 1.0;
  return static_cast<model::Bytes>(value * scale);
}

const model::Service& find(const import::ImportResult& r, const std::string& name) {
  const auto* s = r.estate.find_service(name);
  if (!s) throw std::runtime_error("import found no service " + name);
  return *s;
}

class ImportDocker : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    engine_ = new DockerEngine({.name = "import"});
    std::string image = build_probe_image(*engine_);
    auto& e = *engine_;
    e.docker_ok({"volume", "create", "shop-data"});
    e.docker_ok({"network", "create", "shop-backend"});
    auto compose_labels = [](const std::string& service) {
      return std::vector<std::string>{"--label", "com.docker.compose.project=shop", "--label",
                                      "com.docker.compose.service=" + service};
    };
    auto run = [&](std::vector<std::string> args) {
      std::vector<std::string> full{"run", "--detach"};
      full.insert(full.end(), args.begin(), args.end());
      full.push_back(image);
      e.docker_ok(full);
    };
    for (const char* name : {"shop-web-1", "shop-web-2"}) {
      std::vector<std::string> a{"--name", name,        "--memory", "64m",       "--cpus",
                                 "0.5",    "--restart", "always",   "--network", "shop-backend"};
      auto l = compose_labels("web");
      a.insert(a.end(), l.begin(), l.end());
      run(a);
    }
    std::vector<std::string> db{"--name",    "shop-db-1",
                                "--memory",  "128m",
                                "--restart", "on-failure:3",
                                "--volume",  "shop-data:/var/lib/data",
                                "--network", "shop-backend",
                                "--env",     "PROBE_MEMORY=48",
                                "--env",     "POSTGRES_PASSWORD=pw-never-shown",
                                "--label",   "rehome.category=database"};
    auto l = compose_labels("db");
    db.insert(db.end(), l.begin(), l.end());
    run(db);
    run({"--name", "loose", "--restart", "unless-stopped", "--network", "none", "--health-interval", "5s"});
    // Wait until every container is healthy, so the probe in shop-db-1 holds its 48 MiB.
    bool healthy = wait_until(
        [&] {
          auto r = e.docker({"ps", "--filter", "health=healthy", "--quiet"});
          return r.ok() && std::count(r.out.begin(), r.out.end(), '\n') == 4;
        },
        60s);
    if (!healthy)
      throw std::runtime_error("containers did not become healthy: " + e.docker({"ps", "-a"}).out);
  }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
  }

  static DockerEngine* engine_;
};
DockerEngine* ImportDocker::engine_ = nullptr;

TEST_F(ImportDocker, ReportsContainersAsServicesAndAgreesWithInspectAndStats) {
  auto& e = *engine_;
  engines::DockerClient client(e.socket().string());
  int progress_calls = 0;
  auto snap = import::read_engine(client, 2s, [&](int, int) { ++progress_calls; });
  EXPECT_EQ(progress_calls, 3);  // a 2 s window: samples at 0, 1 and 2 s
  if (const char* record = std::getenv("REHOME_RECORD_SNAPSHOT")) {
    // Refreshes the recorded engine answers the unit tests of docker_map use.
    nlohmann::json j{{"version", snap.version}, {"info", snap.info},       {"containers", snap.containers},
                     {"stats", snap.stats},     {"volumes", snap.volumes}, {"networks", snap.networks}};
    write_file_atomically(record, j.dump(1));
  }
  auto r = import::map_engine(snap);
  ASSERT_EQ(r.estate.services.size(), 3u);  // web (2 replicas), db, loose

  // The server is the engine's host, from /info.
  ASSERT_EQ(r.estate.servers.size(), 1u);
  EXPECT_EQ(r.estate.servers[0].name,
            e.docker_ok({"info", "--format", "{{.Name}}"}).substr(0, r.estate.servers[0].name.size()));
  EXPECT_GT(r.estate.servers[0].memory, 0);

  const auto& web = find(r, "web");
  EXPECT_EQ(web.stack, "shop");
  EXPECT_EQ(web.replicas, 2);
  EXPECT_EQ(web.resources.memory_limit,
            std::stoll(e.docker_ok({"inspect", "--format", "{{.HostConfig.Memory}}", "shop-web-1"})));
  EXPECT_EQ(web.resources.memory_limit, 64 * MiB);
  EXPECT_EQ(web.resources.cpu_limit, 500);
  EXPECT_EQ(web.restart, "any");
  EXPECT_THAT(web.networks, ::testing::ElementsAre("shop-backend"));
  ASSERT_TRUE(web.healthcheck);
  EXPECT_EQ(web.healthcheck->test,
            (std::vector<std::string>{"CMD", "/probe", "--check", "http://127.0.0.1:8080/health"}));
  EXPECT_EQ(web.healthcheck->interval, 2000);
  EXPECT_TRUE(web.resources.measured);
  EXPECT_FALSE(web.resources.estimated);

  const auto& db = find(r, "db");
  EXPECT_EQ(db.category, model::Category::database);
  EXPECT_FALSE(db.category_guessed);
  EXPECT_EQ(db.restart, "on-failure");
  EXPECT_EQ(e.docker_ok({"inspect", "--format", "{{.HostConfig.RestartPolicy.Name}}", "shop-db-1"}),
            "on-failure\n");
  ASSERT_EQ(db.volumes.size(), 1u);
  auto mounts = nlohmann::json::parse(e.docker_ok({"inspect", "--format", "{{json .Mounts}}", "shop-db-1"}));
  EXPECT_EQ(db.volumes[0].name, mounts[0]["Name"].get<std::string>());
  EXPECT_EQ(db.volumes[0].target, mounts[0]["Destination"].get<std::string>());
  EXPECT_FALSE(db.volumes[0].bind);
  EXPECT_TRUE(db.stateful);
  EXPECT_TRUE(db.has_local_state());
  EXPECT_NE(e.docker_ok({"inspect", "--format", "{{json .NetworkSettings.Networks}}", "shop-db-1"})
                .find("shop-backend"),
            std::string::npos);

  // Memory: reservation = measured peak x 1.25 (rounded up to a MiB); the peak must agree with
  // `docker stats --no-stream` within a tolerance (the probe holds 48 MiB).
  auto stats_text = e.docker_ok({"stats", "--no-stream", "--format", "{{.MemUsage}}", "shop-db-1"});
  model::Bytes docker_says = stats_usage(stats_text);
  double measured_peak = static_cast<double>(db.resources.memory_reservation) / 1.25;
  EXPECT_GE(docker_says, 48 * MiB) << stats_text;
  EXPECT_NEAR(measured_peak, static_cast<double>(docker_says), 6.0 * MiB)
      << "import reserved " << model::format_bytes(db.resources.memory_reservation)
      << ", docker stats: " << stats_text;
  std::cout << "[ figures ] db: import reserved " << model::format_bytes(db.resources.memory_reservation)
            << " (peak ~" << model::format_bytes(static_cast<model::Bytes>(measured_peak))
            << "), docker stats " << stats_text << "[ figures ] db cpu reservation "
            << db.resources.cpu_reservation << "m\n";
  EXPECT_LE(db.resources.memory_reservation, db.resources.memory_limit);
  EXPECT_GE(db.resources.cpu_reservation, 10);

  const auto& loose = find(r, "loose");
  EXPECT_EQ(loose.resources.memory_limit, 0);
  EXPECT_EQ(loose.restart, "any");
  ASSERT_TRUE(loose.healthcheck);
  EXPECT_EQ(loose.healthcheck->interval, 5000);
  bool flagged = false;
  for (const auto& n : r.notes)
    flagged |= n.subject == "loose" && n.what.find("no memory limit") != std::string::npos;
  EXPECT_TRUE(flagged) << "a container without a memory limit is flagged";

  // The database's password is in its environment; it reaches nothing we print.
  std::string printed =
      import::render_summary(r) + import::summary_json(r).dump() + import::estate_yaml_checked(r);
  EXPECT_EQ(printed.find("pw-never-shown"), std::string::npos);
}

TEST_F(ImportDocker, CommandLineWritesTheEstateAndPrintsJson) {
  auto out = engine_->root() / "imported" / "estate.yaml";
  auto result = run_process({rehome_binary().string(), "import", "docker", "--host", engine_->host(),
                             "--sample", "1s", "--json", "-o", out.string()},
                            {.timeout = 120s});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto j = nlohmann::json::parse(result.out);
  EXPECT_EQ(j["services"].size(), 3u);
  EXPECT_EQ(j["written"], out.string());
  std::string yaml = read_file(out);
  EXPECT_THAT(yaml, HasSubstr("shop-data"));
  EXPECT_THAT(yaml, HasSubstr("limit: 64M"));
}

TEST(ImportDockerErrors, UnreachableOrForeignSocketsNameTheSocket) {
  auto missing = run_process(
      {rehome_binary().string(), "import", "docker", "--host", "unix:///nonexistent/rehome.sock"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("/nonexistent/rehome.sock: no such socket"));
  EXPECT_THAT(missing.err, HasSubstr("what to do"));

  // A unix socket that speaks something else.
  auto dir = std::filesystem::temp_directory_path() / ("rehome-import-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "foreign.sock").string();
  int listener = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  std::thread server([listener] {
    int c = ::accept(listener, nullptr, nullptr);
    if (c < 0) return;
    char buf[512];
    (void)::recv(c, buf, sizeof(buf), 0);
    const char reply[] = "SSH-2.0-OpenSSH_9.2\r\n";
    (void)::send(c, reply, sizeof(reply) - 1, MSG_NOSIGNAL);
    ::close(c);
  });
  try {
    engines::DockerClient(path, 5s).version();
    ADD_FAILURE() << "a foreign socket must be refused";
  } catch (const UserError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr(path));
    EXPECT_THAT(std::string(e.what()), HasSubstr("not a Docker engine"));
  }
  server.join();
  ::close(listener);

  // A plain file where the socket should be: nothing listening.
  std::string file = (dir / "not-a-socket").string();
  write_file_atomically(file, "x");
  auto plain = run_process({rehome_binary().string(), "import", "docker", "--host", "unix://" + file});
  EXPECT_EQ(plain.exit_code, 2);
  EXPECT_THAT(plain.err, HasSubstr(file));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rehome::test
