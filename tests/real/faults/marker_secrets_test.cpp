// Fault campaign, marker secrets (docs/faults.md): one unique marker is every password and secret of
// every input (a .env, compose environment and command, the databases' passwords through PGPASSWORD,
// REDISCLI_AUTH and a MariaDB option file, a credentials file, the backup repository's password file),
// then the commands a user runs write into a temp folder (their working folder too, so default state
// files land there). Every byte they printed and every file they wrote, recursively, is searched for the
// marker: none may hold it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "real/faults/fault_fixture.hpp"
#include "real/harness/mariadb_server.hpp"
#include "real/harness/redis_server.hpp"
#include "real/harness/server_process.hpp"

namespace rehome::test {
namespace {

namespace fs = std::filesystem;

std::string make_marker() {
  std::mt19937_64 rng(std::random_device{}());
  return fmt::format("Mk{:016x}zQ", rng());
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// Every file under `root` holding `marker`, with the first line that does.
std::vector<std::string> files_holding(const fs::path& root, const std::string& marker, int& files_read) {
  std::vector<std::string> hits;
  for (const auto& entry :
       fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied)) {
    if (!entry.is_regular_file()) continue;
    ++files_read;
    std::string text = read_file(entry.path());
    size_t at = text.find(marker);
    if (at == std::string::npos) continue;
    size_t from = text.rfind('\n', at), to = text.find('\n', at);
    from = from == std::string::npos ? 0 : from + 1;
    hits.push_back(entry.path().string() + ": " + text.substr(from, std::min<size_t>(to - from, 300)));
  }
  return hits;
}

TEST(MarkerSecrets, NoCommandWritesOrPrintsAnyPlantedSecret) {
  const std::string marker = make_marker();
  std::cout << "marker: " << marker << "\n";
  PostgresServer pg_src({.password = marker}), pg_dst({.password = marker});
  pg_src.create_database("app");
  pg_dst.create_database("app");
  pg_src.psql(
      "CREATE TABLE t(id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'row ' || g FROM "
      "generate_series(1, 1000) g",
      "app");
  RedisServer redis_src({.password = marker}), redis_dst({.password = marker});
  for (int i = 0; i < 50; ++i) redis_src.cli({"SET", fmt::format("k{}", i), fmt::format("v{}", i)});
  MariadbServer maria_src, maria_dst;
  for (auto* m : {&maria_src, &maria_dst}) {
    m->sql(
        fmt::format("CREATE USER 'mover'@'127.0.0.1' IDENTIFIED BY '{}'; GRANT ALL ON *.* TO "
                    "'mover'@'127.0.0.1' WITH GRANT OPTION",
                    marker));
  }
  maria_src.sql(
      "CREATE DATABASE shop; CREATE TABLE shop.o(id int PRIMARY KEY, v varchar(20));"
      "INSERT INTO shop.o VALUES (1,'a'),(2,'b')");
  maria_dst.sql("CREATE DATABASE shop");

  TempDir in, out;  // what the user gives; where the commands write (and run)
  write(in.path / "app" / ".env",
        fmt::format("DB_PASSWORD={0}\nREDIS_PASSWORD={0}\nSECRET_KEY={0}\nSMTP_PASS={0}\n", marker));
  write(in.path / "app" / "docker-compose.yml", fmt::format(R"(services:
  db:
    image: postgres:15
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: ${{DB_PASSWORD}}
    volumes: [dbdata:/var/lib/postgresql/data]
  cache:
    image: redis:7
    command: ["redis-server", "--requirepass", "${{REDIS_PASSWORD}}"]
  web:
    image: nginx:1.25
    ports: ["8080:80"]
    environment:
      DATABASE_URL: postgres://app:${{DB_PASSWORD}}@db:5432/app
      REDIS_URL: redis://:${{REDIS_PASSWORD}}@cache:6379/0
      SECRET_KEY: ${{SECRET_KEY}}
      API_TOKEN: {0}
      MAIL_PASSWORD: {0}
    depends_on: [db, cache]
volumes:
  dbdata: {{}}
)",
                                                            marker));
  write(in.path / "servers.yaml", R"(name: markers
servers:
  box:
    address: 127.0.0.1
    memory: 8G
    cpu: 4
    role: manager
)");
  write(in.path / "my.cnf", fmt::format("[client]\nuser=mover\npassword={}\n", marker));
  write(in.path / "restic-password", marker + "\n");
  write(in.path / "credentials",
        fmt::format("DB_PASSWORD={0}\nAPP_PASSWORD={0}\nREDIS_PW={0}\nWRONG_PW={0}y\n", marker));
  // Live probes with the planted passwords, one of them wrong and one server not there (error paths).
  write(in.path / "targets.yaml", fmt::format(R"(databases:
  app-postgres: {{url: "postgres://postgres:${{DB_PASSWORD}}@127.0.0.1:{0}/app", query: "select count(*) from t"}}
  wrong-password: "postgres://postgres:${{WRONG_PW}}@127.0.0.1:{0}/app"
  app-redis: "redis://:${{REDIS_PW}}@127.0.0.1:{1}"
  not-there: "redis://:${{REDIS_PW}}@127.0.0.1:{2}"
)",
                                              pg_src.port(), redis_src.port(), free_port()));
  fs::permissions(in.path / "my.cnf", fs::perms::owner_read | fs::perms::owner_write);

  const std::string pw = in.path.string() + "/restic-password";
  const fs::path estate = out.path / "estate.yaml", plan = out.path / "plan.yaml";
  const std::map<std::string, std::string> env = {{"PGPASSWORD", marker}, {"REDISCLI_AUTH", marker}};
  auto pg_url = [](const PostgresServer& s) { return s.url_with_password("", "app"); };
  auto redis_url = [](const RedisServer& s) { return s.url_with_password(""); };
  auto maria_url = [](const MariadbServer& s, const std::string& db) {
    std::string u = s.url(db);  // mariadb://root@127.0.0.1:PORT/db -> the mover account
    return "mariadb://mover@" + u.substr(u.find('@') + 1);
  };
  struct Step {
    std::string name;
    std::vector<std::string> args;
    bool must_succeed = true;
  };
  std::vector<Step> steps = {
      {"import",
       {"import", "compose", (in.path / "app" / "docker-compose.yml").string(), "--servers",
        (in.path / "servers.yaml").string(), "-o", estate.string()}},
      {"import --json", {"import", "compose", (in.path / "app" / "docker-compose.yml").string(), "--json"}},
      {"plan", {"plan", estate.string(), "-o", plan.string()}},
      {"plan --json", {"plan", estate.string(), "--json"}},
      {"generate", {"generate", estate.string(), plan.string(), "-o", (out.path / "generated").string()}},
      {"secrets create --dry-run",
       {"secrets", "create", estate.string(), "--env-file", (in.path / "app" / ".env").string(), "--dry-run",
        "--json"},
       false},
      {"migrate postgres",
       {"migrate", "postgres", "--from", pg_url(pg_src), "--to", pg_url(pg_dst), "--jobs", "2", "--json"}},
      {"migrate postgres (URL password)",
       {"migrate", "postgres", "--from", pg_src.url("app"), "--to", pg_dst.url("app"), "--jobs", "2",
        "--json"},
       false},
      {"migrate redis",
       {"migrate", "redis", "--from", redis_url(redis_src), "--to", redis_url(redis_dst), "--json"}},
      {"migrate mariadb",
       {"migrate", "mariadb", "--from", maria_url(maria_src, "shop"), "--to", maria_url(maria_dst, "shop"),
        "--defaults-file", (in.path / "my.cnf").string(), "--json"}},
      {"migrate postgres (wrong target)",
       {"migrate", "postgres", "--from", pg_url(pg_src), "--to",
        pg_dst.url_with_password(marker + "x", "nosuchdb"), "--json"},
       false},
      {"backup run",
       {"backup", "run", "--url", pg_url(pg_src), "--url", redis_url(redis_src), "--repo",
        (out.path / "repo").string(), "--password-file", pw, "--staging", (out.path / "staging").string(),
        "--json"}},
      {"backup audit", {"backup", "audit", estate.string(), "--password-file", pw, "--json"}, false},
      {"validate",
       {"validate", estate.string(), "--targets", (in.path / "targets.yaml").string(), "--credentials",
        (in.path / "credentials").string(), "--evidence", (out.path / "evidence").string(), "--json"},
       false},
      {"report",
       {"report", estate.string(), plan.string(), "--evidence", (out.path / "evidence").string(), "-o",
        (out.path / "report.html").string(), "--markdown", (out.path / "report.md").string()}},
      {"move (dry run)",
       {"move", estate.string(), "--plan", plan.string(), "--work-dir", (out.path / "move").string(),
        "--credentials", (in.path / "credentials").string(), "--json"},
       false},
  };
  int commands = 0;
  std::vector<std::string> leaks;
  for (const auto& step : steps) {
    RehomeRun run = run_rehome(step.args, env, out.path);
    ++commands;
    std::cout << fmt::format(
        "{:<34} exit {}{}\n", step.name, run.exit_code,
        run.exit_code == 0 ? "" : ": " + run.output.substr(0, run.output.find('\n', 200)));
    if (step.must_succeed) {
      EXPECT_EQ(run.exit_code, 0) << step.name << ":\n" << run.output.substr(0, 3000);
    }
    write(out.path / "outputs" / (step.name + ".txt"), run.output);
    if (size_t at = run.output.find(marker); at != std::string::npos)
      leaks.push_back(step.name + " printed: " + run.output.substr(at < 200 ? 0 : at - 200, 400));
  }
  // The inputs were understood: the estate refers to the secrets by name.
  std::string estate_text = read_file(estate);
  EXPECT_NE(estate_text.find("DB_PASSWORD"), std::string::npos) << estate_text;
  int files_read = 0;
  for (const auto& hit : files_holding(out.path, marker, files_read))
    if (hit.find("/outputs/") == std::string::npos) leaks.push_back("file " + hit);
  std::cout << fmt::format("marker secrets: {} commands, {} files read, {} leak(s)\n", commands, files_read,
                           leaks.size());
  for (const auto& leak : leaks) ADD_FAILURE() << "the marker leaked: " << leak;
  EXPECT_GE(files_read, 20);
}

}  // namespace
}  // namespace rehome::test
