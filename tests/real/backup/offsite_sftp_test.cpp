// The off-site host: an sshd (Debian openssh-server) in a network namespace on 198.18.0.0/24, with its
// own config, host key and authorized_keys in a temp folder, listening only on the namespace address,
// logging in one dedicated user. Backups of PostgreSQL, Redis and a volume go to a local and that
// sftp repository; restic alone restores from the off-site copy; with the host stopped the off-site
// repository is named unreachable while the local copy is still taken.
// Run under `flock /tmp/rehome-netns.lock` (fixed addresses).
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "backup/audit.hpp"
#include "backup/repository.hpp"
#include "backup/survey.hpp"
#include "backup_fixtures.hpp"
#include "common/atomic_file.hpp"
#include "common/process.hpp"
#include "real/harness/netns_link.hpp"
#include "real/harness/postgres_server.hpp"
#include "real/harness/redis_server.hpp"

using namespace rehome;
using namespace rehome::backup;
using rehome::test::TempDir;
namespace fs = std::filesystem;

namespace {

const char* kUser = "rehome-offsite";
const char* kRepoPassword = "pw-offsite-repo-55b1";

// sshd -D inside the namespace, as a child we stop by pid.
class SftpHost {
 public:
  SftpHost(const test::LinkedNamespace& ns, const fs::path& dir) : ns_(ns), dir_(dir) {
    auto run = [](const std::vector<std::string>& argv) {
      auto r = run_process(argv);
      if (!r.ok()) throw std::runtime_error(argv[0] + ": " + r.err);
    };
    if (!getpwnam(kUser))  // a dedicated, password-less system user that only sftp logs in as
      run({"useradd", "--system", "--no-create-home", "--shell", "/bin/sh", kUser});
    // "!" (useradd's default) is a locked account sshd refuses without PAM; "*" only has no password.
    run({"usermod", "--password", "*", kUser});
    fs::create_directories("/run/sshd");  // sshd's privilege separation folder
    fs::create_directories(dir / "data");
    run({"chown", kUser, (dir / "data").string()});
    run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", (dir / "host_key").string()});
    run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", (dir / "client_key").string()});
    fs::copy_file(dir / "client_key.pub", dir / "authorized_keys");
    // sshd reads authorized_keys as the user: every folder above it must be searchable (mkdtemp's is 0700).
    ::chmod(dir.parent_path().c_str(), 0755);
    ::chmod(dir.c_str(), 0755);
    test::write_text(dir / "sshd_config",
                     fmt::format("ListenAddress {}\nPort 22\nHostKey {}\nAuthorizedKeysFile {}\n"
                                 "PidFile {}\nAllowUsers {}\nPasswordAuthentication no\n"
                                 "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
                                 "Subsystem sftp internal-sftp\nLogLevel ERROR\n",
                                 ns.address(), (dir / "host_key").string(),
                                 (dir / "authorized_keys").string(), (dir / "sshd.pid").string(), kUser));
    start();
  }
  ~SftpHost() { stop(); }

  void start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      auto argv = ns_.inside({"/usr/sbin/sshd", "-D", "-e", "-f", (dir_ / "sshd_config").string()});
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    for (int i = 0; i < 100; ++i) {  // until it accepts connections
      if (run_process({"bash", "-c", fmt::format("exec 3<>/dev/tcp/{}/22", ns_.address())}).ok()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    stop();  // a throwing constructor runs no destructor
    throw std::runtime_error("sshd did not start");
  }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  // restic's sftp.command: our key, our known_hosts, no prompts.
  std::string sftp_command() const {
    return fmt::format(
        "sftp.command=ssh -i {} -o UserKnownHostsFile={} -o StrictHostKeyChecking=accept-new -o "
        "BatchMode=yes "
        "-o ConnectTimeout=5 {}@{} -s sftp",
        (dir_ / "client_key").string(), (dir_ / "known_hosts").string(), kUser, ns_.address());
  }
  std::string location() const {
    return fmt::format("sftp:{}@{}:{}", kUser, ns_.address(), (dir_ / "data/repo").string());
  }

 private:
  const test::LinkedNamespace& ns_;
  fs::path dir_;
  pid_t pid_ = -1;
};

}  // namespace

TEST(OffsiteSftp, BacksUpToLocalAndOffsiteRestoresWithResticAloneAndNamesADownHost) {
  if (!fs::exists("/usr/sbin/sshd"))
    GTEST_SKIP() << "openssh-server is not installed (scripts/install-deps.sh)";
  TempDir tmp("sftp");
  test::LinkedNamespace ns("rehome-sftp");
  SftpHost host(ns, tmp / "offsite");
  test::PostgresServer pg;
  pg.create_database("ledger");
  pg.psql(
      "CREATE TABLE entries(id int PRIMARY KEY, amount int);"
      "INSERT INTO entries SELECT g, g FROM generate_series(1, 1234) g;",
      "ledger");
  test::RedisServer redis;
  redis.pipe("SET k v\n");
  test::write_text(tmp / "volume/file.txt", "volume data\n");
  test::write_text(tmp / "password", kRepoPassword);
  ::chmod((tmp / "password").c_str(), 0600);

  Repository local{(tmp / "local-repo").string(), tmp / "password", tmp / "cache", {}};
  Repository offsite{host.location(), tmp / "password", tmp / "cache", {host.sftp_command()}};
  RepoRunOptions o;
  o.sources = {{"postgres", pg.url("ledger"), "ledger-db"},
               {"redis", redis.url(), "cache"},
               {"volume", (tmp / "volume").string(), "files"}};
  o.repositories = {local, offsite};
  o.estate = "offsite-test";
  o.staging = tmp / "staging";
  std::string log;
  o.progress = [&](const std::string& line) { log += line + "\n"; };
  auto r = backup_to_repositories(o);
  ASSERT_TRUE(r.ok()) << (r.failures.empty() ? "" : r.failures[0]) << "\n" << log;
  ASSERT_EQ(r.stored.size(), 6u);  // three sources, two repositories
  EXPECT_EQ(log.find(kRepoPassword), std::string::npos);

  // The repository really is on the off-site host's disk, and restic alone restores it over sftp.
  EXPECT_TRUE(fs::exists(tmp / "offsite/data/repo/config"));
  ProcessOptions env;
  env.env = {{"RESTIC_PASSWORD_FILE", (tmp / "password").string()},
             {"RESTIC_CACHE_DIR", (tmp / "cache").string()}};
  auto res = run_process({"restic", "-r", host.location(), "-o", host.sftp_command(), "restore", "latest",
                          "--tag", "kind=postgres", "--target", (tmp / "restored").string()},
                         env);
  ASSERT_TRUE(res.ok()) << res.err;
  const auto& dump = r.stored[0].artefact;
  auto untar = run_process({"sh", "-c",
                            fmt::format("cd '{}' && tar -xf '{}.tar' && cat '{}'.0* > '{}'",
                                        (tmp / "restored").string(), dump.name, dump.name, dump.name)});
  ASSERT_TRUE(untar.ok()) << untar.err;
  auto folder = find_manifest_folder(tmp / "restored");
  ASSERT_TRUE(folder);
  auto sum = run_process({"sha256sum", (*folder / dump.name).string()});
  EXPECT_EQ(sum.out.substr(0, 64), dump.sha256);

  // verify against the off-site copy: restic check + restore test, row counts from the dump.
  RepoVerifyOptions v;
  v.repository = offsite;
  v.estate = "offsite-test";
  v.restore_url = pg.url();
  v.scratch = tmp.path();
  auto verified = verify_repository(v);
  EXPECT_TRUE(verified.ok()) << (verified.details.problems.empty() ? "" : verified.details.problems[0]);
  EXPECT_EQ(verified.verified.size(), 3u);

  v.repository = local;
  EXPECT_TRUE(verify_repository(v).ok());

  // audit opens both declared targets: each holds a restore-tested snapshot of every source -> 3-2-1.
  model::Estate estate;
  estate.name = "offsite-test";
  for (auto [name, engine] : {std::pair{"ledger-db", "postgres"}, std::pair{"cache", "redis"}}) {
    model::Service db;
    db.name = name;
    db.stateful = true;
    db.data = model::DataSpec{engine, {}, 0, std::nullopt};
    estate.services.push_back(db);
  }
  model::Service files;
  files.name = "fileserver";
  files.stateful = true;
  files.volumes.push_back({"files", "/data"});
  estate.services.push_back(files);
  estate.backup.volumes = {"files"};
  estate.backup.targets = {{"local", "local", "disk", local.location},
                           {"offsite", "offsite", "cloud", host.location()}};
  SurveyOptions so;
  so.estate = "offsite-test";
  so.password_file = tmp / "password";
  so.cache_dir = tmp / "cache";
  so.restic_options = {host.sftp_command()};
  auto seen = survey_targets(estate.backup.targets, so);
  auto audit = audit_backups(estate, &seen);
  ASSERT_EQ(audit.items.size(), 3u);
  for (const auto& item : audit.items) EXPECT_TRUE(item.meets_321()) << item.subject << ": " << item.verdict;

  // The off-site host stops: its repository is named unreachable; the local copy is still taken.
  host.stop();
  seen = survey_targets(estate.backup.targets, so);
  ASSERT_EQ(seen.targets.size(), 2u);
  EXPECT_EQ(seen.targets[0].state, "ok");
  EXPECT_EQ(seen.targets[1].state, "unreachable") << seen.targets[1].reason;
  audit = audit_backups(estate, &seen);
  for (const auto& item : audit.items) {
    EXPECT_FALSE(item.meets_321()) << item.subject;
    EXPECT_EQ(item.copies, 2) << item.subject;
    EXPECT_NE(item.verdict.find("not 3-2-1"), std::string::npos) << item.verdict;
    EXPECT_NE(item.verdict.find("offsite: unreachable"), std::string::npos) << item.verdict;
  }
  EXPECT_EQ(Restic(offsite).probe().reach, Reach::unreachable);
  EXPECT_EQ(Restic(local).probe().reach, Reach::ok);
  auto down = backup_to_repositories(o);
  EXPECT_FALSE(down.ok());
  ASSERT_EQ(down.failures.size(), 1u);
  EXPECT_NE(down.failures[0].find(host.location()), std::string::npos) << down.failures[0];
  EXPECT_EQ(down.stored.size(), 3u);  // every source into the local repository
}
