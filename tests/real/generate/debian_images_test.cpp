// The test images built from Debian packages (tests/images, scripts/build-images.sh): each database
// starts under the hardening its entrypoint needs and no more (cap_drop ALL plus CHOWN, DAC_OVERRIDE,
// FOWNER, SETUID, SETGID, no-new-privileges), takes its password from a file like the official images'
// *_FILE convention, and the writer app's acknowledged writes are all there when read back.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/atomic_file.hpp"
#include "real/harness/debian_image.hpp"
#include "real/harness/dockerd.hpp"

namespace rehome::test {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kPassword = "d3bian-images-pw-never-printed";

// What the entrypoints need to chown their data folder and drop to their user.
const std::vector<std::string> kHardening = {"--cap-drop",     "ALL",
                                             "--cap-add",      "CHOWN",
                                             "--cap-add",      "DAC_OVERRIDE",
                                             "--cap-add",      "FOWNER",
                                             "--cap-add",      "SETUID",
                                             "--cap-add",      "SETGID",
                                             "--security-opt", "no-new-privileges:true"};

std::vector<std::string> run_args(const std::string& name, const fs::path& secret,
                                  std::vector<std::string> extra, const std::string& image) {
  // Host networking inside the engine's own namespace: the containers meet on its loopback only.
  std::vector<std::string> argv = {
      "run",       "--detach", "--name",   name,
      "--network", "host",     "--volume", secret.string() + ":/run/secrets/db_password:ro"};
  argv.insert(argv.end(), kHardening.begin(), kHardening.end());
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(image);
  return argv;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

long count_of(const std::string& text) {
  try {
    return std::stol(trim(text));
  } catch (...) {
    return -1;
  }
}

TEST(DebianImages, DatabasesStartHardenedWithPasswordFilesAndTheWriterWritesToEach) {
  DockerEngine engine({.name = "images", .own_netns = true});
  for (const std::string name : {"postgres", "mariadb", "redis", "nginx", "writer"}) {
    auto started = std::chrono::steady_clock::now();
    import_debian_image(engine, name);
    std::cout << fmt::format(
        "[ images   ] {} built or cached and imported in {:.1f} s\n", name,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  fs::path secret = engine.root() / "db_password";
  write_file_atomically(secret, kPassword);
  fs::permissions(secret, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);

  engine.docker_ok(run_args(
      "pg", secret, {"--env", "POSTGRES_PASSWORD_FILE=/run/secrets/db_password", "--env", "POSTGRES_DB=app"},
      debian_image_tag("postgres")));
  engine.docker_ok(run_args(
      "mariadb", secret,
      {"--env", "MARIADB_ROOT_PASSWORD_FILE=/run/secrets/db_password", "--env", "MARIADB_DATABASE=app"},
      debian_image_tag("mariadb")));
  engine.docker_ok(run_args("redis", secret, {"--env", "REDIS_PASSWORD_FILE=/run/secrets/db_password"},
                            debian_image_tag("redis")));
  engine.docker_ok(run_args("nginx", secret, {"--cap-add", "NET_BIND_SERVICE"}, debian_image_tag("nginx")));
  engine.docker_ok(run_args("writer", secret, {"--env",    "PGHOST=127.0.0.1",
                                               "--env",    "PGDATABASE=app",
                                               "--env",    "PGPASSWORD_FILE=/run/secrets/db_password",
                                               "--env",    "REDIS_HOST=127.0.0.1",
                                               "--env",    "REDIS_PASSWORD_FILE=/run/secrets/db_password",
                                               "--env",    "MARIADB_HOST=127.0.0.1",
                                               "--env",    "MARIADB_DATABASE=app",
                                               "--env",    "MARIADB_PASSWORD_FILE=/run/secrets/db_password",
                                               "--env",    "WRITE_FILE=/out/writes",
                                               "--env",    "WRITE_INTERVAL=0.2",
                                               "--env",    "WRITER=w1",
                                               "--volume", "writes:/out"},
                            debian_image_tag("writer")));

  auto logs = [&](const std::string& name) {
    auto r = engine.docker({"logs", name});
    return r.out + r.err;
  };
  bool acked = wait_until(
      [&] {
        auto text = logs("writer");
        for (const char* store : {"pg", "mariadb", "redis", "file"}) {
          if (text.find(fmt::format("ack {} 5\n", store)) == std::string::npos) return false;
        }
        return true;
      },
      120s, 500ms);
  ASSERT_TRUE(acked) << "writer:\n"
                     << logs("writer") << "\npg:\n"
                     << logs("pg") << "\nmariadb:\n"
                     << logs("mariadb") << "\nredis:\n"
                     << logs("redis");
  engine.docker_ok({"stop", "--time", "5", "writer"});
  // The last n acknowledged per store: every one of 1..n must be there.
  auto last_ack = [&](const std::string& store) {
    auto text = logs("writer");
    auto at = text.rfind("ack " + store + " ");
    return at == std::string::npos ? -1 : count_of(text.substr(at + 5 + store.size(), 20));
  };
  const std::string read_secret = "p=$(cat /run/secrets/db_password); ";
  auto pg_rows = engine.docker_ok(
      {"exec", "pg", "psql", "-U", "postgres", "-d", "app", "-Atc",
       "select count(*) from rehome_writes where writer = 'w1' and n <= " + std::to_string(last_ack("pg"))});
  EXPECT_EQ(count_of(pg_rows), last_ack("pg"));
  // MariaDB: root over TCP with the password from MARIADB_ROOT_PASSWORD_FILE (root@'%'), and the
  // passwordless root@127.0.0.1 that mariadb-install-db makes is gone (it refused that login).
  auto maria_rows =
      engine.docker_ok({"exec", "mariadb", "bash", "-c",
                        read_secret +
                            "MYSQL_PWD=\"$p\" mariadb -h 127.0.0.1 -uroot app -Nse \"select count(*) from "
                            "rehome_writes where writer = 'w1' and n <= " +
                            std::to_string(last_ack("mariadb")) + "\""});
  EXPECT_EQ(count_of(maria_rows), last_ack("mariadb"));
  auto no_password =
      engine.docker({"exec", "mariadb", "mariadb", "-h", "127.0.0.1", "-uroot", "-e", "select 1"});
  EXPECT_NE(no_password.exit_code, 0) << "root over TCP without a password was let in";
  auto redis_len = engine.docker_ok(
      {"exec", "redis", "bash", "-c", read_secret + "REDISCLI_AUTH=\"$p\" redis-cli llen rehome_writes"});
  EXPECT_GE(count_of(redis_len), last_ack("redis"));
  // Redis asks for the password: without it the same command is refused.
  auto anonymous = engine.docker({"exec", "redis", "redis-cli", "llen", "rehome_writes"});
  EXPECT_NE(anonymous.out.find("NOAUTH"), std::string::npos) << anonymous.out;
  auto page =
      engine.docker_ok({"exec", "nginx", "bash", "-c",
                        "exec 3<>/dev/tcp/127.0.0.1/80; printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3"});
  EXPECT_NE(page.find("rehome test nginx"), std::string::npos) << page;

  // The servers run as their own users, not root.
  EXPECT_EQ(trim(engine.docker_ok(
                {"exec", "pg", "bash", "-c", "ps -o user= -p 1 2>/dev/null || stat -c %U /proc/1"})),
            "postgres");
  for (const std::string name : {"pg", "mariadb", "redis", "nginx", "writer"})
    EXPECT_EQ(logs(name).find(kPassword), std::string::npos) << name << " printed the password";

  // Without the capabilities its entrypoint needs (cap_drop ALL alone), PostgreSQL cannot start, as
  // with the official image: what a default hardening must leave in.
  auto bare = engine.docker({"run", "--rm", "--network", "none", "--cap-drop", "ALL", "--env",
                             "POSTGRES_PASSWORD=x", debian_image_tag("postgres")},
                            {.timeout = 60s});
  EXPECT_NE(bare.exit_code, 0);
  // And without a password it refuses to initialise, saying what to set.
  auto uninitialised =
      engine.docker({"run", "--rm", "--network", "none", debian_image_tag("postgres")}, {.timeout = 60s});
  EXPECT_NE(uninitialised.exit_code, 0);
  EXPECT_NE(uninitialised.err.find("POSTGRES_PASSWORD_FILE"), std::string::npos) << uninitialised.err;
}

}  // namespace
}  // namespace rehome::test
