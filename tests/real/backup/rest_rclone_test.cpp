// restic's REST backend, served by Debian's rclone (`rclone serve restic`: Debian has no
// restic-rest-server package) on loopback: a PostgreSQL dump and a volume go into a `rest:http://...`
// repository, restic alone gets them back (sha256sum equals the manifest's), verify passes there, the
// audit counts it; with the server stopped the repository is named unreachable and the backup fails
// naming it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "backup/audit.hpp"
#include "backup/repository.hpp"
#include "backup/survey.hpp"
#include "backup_fixtures.hpp"
#include "common/atomic_file.hpp"
#include "common/process.hpp"
#include "real/harness/postgres_server.hpp"
#include "real/harness/server_process.hpp"

using namespace rehome;
using namespace rehome::backup;
using rehome::test::TempDir;
namespace fs = std::filesystem;

namespace {

const char* kRepoPassword = "pw-rest-repo-4b7c";

// `rclone serve restic --addr 127.0.0.1:PORT DIR`, a child stopped by pid.
class RcloneRest {
 public:
  explicit RcloneRest(const fs::path& dir) : dir_(dir) {
    fs::create_directories(dir / "data");
    port_ = test::start_on_free_port([this](int port) { start(port); }, [this] { stop(); },
                                     dir / "rclone.log", "address already in use");
  }
  ~RcloneRest() { stop(); }
  void start(int port) {
    port_ = port;
    test::SpawnOptions so;
    so.log_file = dir_ / "rclone.log";
    so.env = {{"RCLONE_CONFIG", (dir_ / "rclone.conf").string()}};  // no config of this machine's user
    pid_ = test::spawn({find_program("rclone")->string(), "serve", "restic", "--addr",
                        fmt::format("127.0.0.1:{}", port), (dir_ / "data").string()},
                       so);
    for (int i = 0; i < 100; ++i) {
      if (run_process({"bash", "-c", fmt::format("exec 3<>/dev/tcp/127.0.0.1/{}", port)}).ok()) return;
      if (!test::child_alive(pid_)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    stop();
    throw std::runtime_error("rclone serve restic did not start: " + read_file(dir_ / "rclone.log"));
  }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    test::wait_child(pid_);
    pid_ = -1;
  }
  std::string location() const { return fmt::format("rest:http://127.0.0.1:{}/rehome", port_); }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace

TEST(RestRclone, ResticRestServerOfRcloneHoldsBackupsResticAloneRestores) {
  if (!find_program("rclone")) GTEST_SKIP() << "rclone is not installed (scripts/install-deps.sh)";
  TempDir tmp("rest");
  RcloneRest server(tmp / "rest");
  test::PostgresServer pg;
  pg.create_database("ledger");
  pg.psql(
      "CREATE TABLE entries(id int PRIMARY KEY, amount int);"
      "INSERT INTO entries SELECT g, g FROM generate_series(1, 2345) g;",
      "ledger");
  test::write_text(tmp / "volume/notes/a.txt", "volume data\n");
  test::write_text(tmp / "password", kRepoPassword);
  ::chmod((tmp / "password").c_str(), 0600);

  Repository rest{server.location(), tmp / "password", tmp / "cache", {}};
  RepoRunOptions o;
  o.sources = {{"postgres", pg.url("ledger"), "ledger-db"}, {"volume", (tmp / "volume").string(), "files"}};
  o.repositories = {rest};
  o.estate = "rest-test";
  o.staging = tmp / "staging";
  std::string log;
  o.progress = [&](const std::string& line) { log += line + "\n"; };
  auto r = backup_to_repositories(o);  // initialises the repository over REST first
  ASSERT_TRUE(r.ok()) << (r.failures.empty() ? "" : r.failures[0]) << "\n" << log;
  ASSERT_EQ(r.stored.size(), 2u);
  EXPECT_TRUE(fs::exists(server.dir() / "data/rehome/config"));  // on rclone's disk, in restic's layout

  // restic alone, over REST: the snapshots with rehome's tags, the dump out of `restic dump`.
  ProcessOptions env;
  env.env = {{"RESTIC_REPOSITORY", server.location()},
             {"RESTIC_PASSWORD_FILE", (tmp / "password").string()},
             {"RESTIC_CACHE_DIR", (tmp / "cache").string()}};
  auto listed = run_process({"restic", "snapshots", "--json"}, env);
  ASSERT_TRUE(listed.ok()) << listed.err;
  EXPECT_EQ(nlohmann::json::parse(listed.out).size(), 2u);
  const auto& dump = r.stored[0].artefact;
  auto out =
      run_process({"sh", "-c",
                   fmt::format("restic dump latest '/{0}.tar' --tag kind=postgres | tar -xO --wildcards "
                               "'{0}.0*' | sha256sum",
                               dump.name)},
                  env);
  ASSERT_TRUE(out.ok()) << out.err;
  EXPECT_EQ(out.out.substr(0, 64), dump.sha256);
  auto check = run_process({"restic", "check", "--read-data"}, env);
  EXPECT_TRUE(check.ok()) << check.err;

  // verify over REST: restic check + restore test with the row counts.
  RepoVerifyOptions v;
  v.repository = rest;
  v.estate = "rest-test";
  v.restore_url = pg.url();
  v.scratch = tmp.path();
  auto verified = verify_repository(v);
  ASSERT_TRUE(verified.ok()) << (verified.details.problems.empty() ? "" : verified.details.problems[0]);
  EXPECT_EQ(verified.verified.size(), 2u);
  ASSERT_EQ(verified.details.restores.size(), 1u);
  EXPECT_EQ(verified.details.restores[0].rows, 2345);

  // The audit opens the declared rest: target and counts it.
  model::Estate estate;
  estate.name = "rest-test";
  model::Service db;
  db.name = "ledger-db";
  db.stateful = true;
  db.data = model::DataSpec{"postgres", {"ledger"}, 0, std::nullopt};
  estate.services.push_back(db);
  estate.backup.targets = {{"rest", "offsite", "cloud", server.location()}};
  SurveyOptions so;
  so.estate = "rest-test";
  so.password_file = tmp / "password";
  so.cache_dir = tmp / "cache";
  so.timeout = std::chrono::seconds(20);
  auto seen = survey_targets(estate.backup.targets, so);
  ASSERT_EQ(seen.targets.size(), 1u);
  EXPECT_EQ(seen.targets[0].state, "ok") << seen.targets[0].reason;
  auto audit = audit_backups(estate, &seen);
  ASSERT_EQ(audit.items.size(), 1u);
  EXPECT_EQ(audit.items[0].copies, 2) << audit.items[0].verdict;
  EXPECT_TRUE(audit.items[0].offsite) << audit.items[0].verdict;

  // The server stops: the repository is named unreachable, and a backup fails naming it.
  server.stop();
  seen = survey_targets(estate.backup.targets, so);
  EXPECT_EQ(seen.targets[0].state, "unreachable") << seen.targets[0].reason;
  audit = audit_backups(estate, &seen);
  EXPECT_EQ(audit.items[0].copies, 1);
  EXPECT_NE(audit.items[0].verdict.find("rest: unreachable"), std::string::npos) << audit.items[0].verdict;
  auto down = backup_to_repositories(o);
  EXPECT_FALSE(down.ok());
  ASSERT_FALSE(down.failures.empty());
  EXPECT_NE(down.failures[0].find(server.location()), std::string::npos) << down.failures[0];
  EXPECT_EQ(log.find(kRepoPassword), std::string::npos);
}
