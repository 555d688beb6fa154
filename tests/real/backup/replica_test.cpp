// Two real PostgreSQL instances on two loopback ports: replica setup (role, pg_hba, slot,
// pg_basebackup -R), a write on the primary read on the replica within the reported lag, fencing,
// promotion after the primary stops, and a write on the new primary.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "backup/replica.hpp"
#include "common/error.hpp"
#include "common/process.hpp"
#include "real/harness/postgres_server.hpp"
#include "real/harness/server_process.hpp"

using namespace rehome;
using namespace rehome::backup;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

void chown_tree(const fs::path& root, const test::RunAs& user) {
  if (!user.switch_user) return;
  if (::chown(root.c_str(), user.uid, user.gid) != 0) throw std::runtime_error("chown " + root.string());
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (::lchown(e.path().c_str(), user.uid, user.gid) != 0)
      throw std::runtime_error("chown " + e.path().string());
}

// The replica: postgres started on the folder `replica setup` wrote, stopped by pid at the end.
class ReplicaProcess {
 public:
  ReplicaProcess(const fs::path& folder, const fs::path& data, const fs::path& bin) : folder_(folder) {
    auto user = test::server_user();
    chown_tree(data, user);
    fs::permissions(data, fs::perms::owner_all, fs::perm_options::replace);
    fs::create_directories(folder / "socket");
    chown_tree(folder / "socket", user);
    port_ = test::start_on_free_port(
        [&](int port) {
          pid_ = test::spawn({(bin / "postgres").string(), "-D", data.string(), "-p", std::to_string(port),
                              "-k", (folder / "socket").string(), "-c", "listen_addresses=127.0.0.1", "-c",
                              "fsync=off", "-c", "shared_buffers=32MB", "-c", "hot_standby_feedback=on"},
                             {.log_file = folder / "replica.log", .user = user});
          test::record_server_pid(folder, pid_);
          auto deadline = std::chrono::steady_clock::now() + 60s;
          while (test::slurp(data / "postmaster.pid").find("\nready") == std::string::npos &&
                 test::slurp(data / "postmaster.pid").find("\nstandby") == std::string::npos) {
            if (!test::child_alive(pid_) || std::chrono::steady_clock::now() > deadline)
              throw std::runtime_error("replica did not start:\n" + test::log_tail(folder / "replica.log"));
            std::this_thread::sleep_for(20ms);
          }
        },
        [&] { test::stop_child(pid_, SIGINT, 15s); }, folder / "replica.log", "could not bind");
  }
  ~ReplicaProcess() { test::stop_child(pid_, SIGINT, 15s); }
  int port() const { return port_; }

 private:
  fs::path folder_;
  pid_t pid_ = -1;
  int port_ = 0;
};

const char* kSuperPassword = "super-pw-test-1";
const char* kReplPassword = "repl-pw-test-2";

}  // namespace

TEST(Replica, SetupStreamPromoteAndWriteOnTheNewPrimary) {
  test::PostgresServer primary({.password = kSuperPassword});
  primary.psql("CREATE TABLE events(id serial PRIMARY KEY, what text)");
  auto user = test::server_user();
  fs::path folder = test::make_server_dir("replica", user);
  struct Cleanup {
    fs::path f;
    ~Cleanup() { test::remove_server_dir(f, false); }
  } cleanup{folder};

  std::vector<std::string> progress;
  ReplicaSetupOptions o;
  o.primary_url = primary.url();
  o.replica_dir = folder / "data";
  o.password = kReplPassword;
  o.progress = [&](const std::string& line) { progress.push_back(line); };
  auto setup = setup_replica(o);
  EXPECT_TRUE(setup.slot_created);
  EXPECT_EQ(setup.hba_line, "host replication replicator 127.0.0.1/32 scram-sha-256");
  for (const auto& line : progress) EXPECT_EQ(line.find(kReplPassword), std::string::npos) << line;
  EXPECT_EQ(setup.start_hint.find(kReplPassword), std::string::npos);
  EXPECT_TRUE(fs::exists(o.replica_dir / "standby.signal"));

  ReplicaProcess replica(folder, o.replica_dir, primary.bin_dir());
  std::string replica_url =
      fmt::format("postgresql://{}:{}@127.0.0.1:{}/postgres", primary.user(), kSuperPassword, replica.port());

  // Streaming: the primary sees the replica; the replica is in recovery.
  ReplicaStatus st;
  for (int i = 0; i < 200; ++i) {
    st = replica_status(primary.url(), replica_url);
    if (!st.peers.empty() && st.peers[0].state == "streaming") break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_FALSE(st.peers.empty());
  EXPECT_EQ(st.peers[0].state, "streaming");
  ASSERT_TRUE(st.in_recovery);
  EXPECT_TRUE(*st.in_recovery);

  // A write on the primary is readable on the replica; measure how long it took.
  primary.psql("INSERT INTO events(what) VALUES ('written on the primary')");
  auto written = std::chrono::steady_clock::now();
  std::string seen;
  while (std::chrono::steady_clock::now() - written < 10s) {
    auto res = run_process({(primary.bin_dir() / "psql").string(), "-X", "-A", "-t", "-c",
                            "SELECT what FROM events", replica_url});
    if (res.ok() && res.out.find("written on the primary") != std::string::npos) {
      seen = res.out;
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  auto visible_after = std::chrono::duration<double>(std::chrono::steady_clock::now() - written).count();
  ASSERT_FALSE(seen.empty()) << "the write never reached the replica";
  st = replica_status(primary.url(), replica_url);
  ASSERT_FALSE(st.peers.empty());
  double reported = st.peers[0].lag_seconds.value_or(0);
  std::cout << fmt::format(
      "replica lag: write visible after {:.3f} s; reported {} bytes, replay_lag {:.3f} s\n", visible_after,
      st.peers[0].lag_bytes, reported);
  EXPECT_LT(visible_after, 5.0);
  EXPECT_LT(st.peers[0].lag_bytes, 1 << 20);

  // Fencing: promotion is refused while the old primary answers.
  try {
    promote_replica(replica_url, primary.url(), false);
    FAIL() << "promote must refuse while the old primary answers";
  } catch (const UserError& e) {
    EXPECT_EQ(e.exit_code(), exit_code::findings);
    EXPECT_NE(std::string(e.what()).find("still answers"), std::string::npos);
    EXPECT_EQ(std::string(e.what()).find(kSuperPassword), std::string::npos);
  }

  primary.stop();
  auto promoted = promote_replica(replica_url, primary.url(), false);
  EXPECT_EQ(promoted.timeline, 2);
  EXPECT_FALSE(promoted.forced);
  st = replica_status(std::nullopt, replica_url);
  EXPECT_FALSE(*st.in_recovery);
  auto res = run_process(
      {(primary.bin_dir() / "psql").string(), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c",
       "INSERT INTO events(what) VALUES ('written on the new primary'); SELECT count(*) FROM events",
       replica_url});
  ASSERT_TRUE(res.ok()) << res.err;
  EXPECT_NE(res.out.find("2"), std::string::npos);
  // Promoting again is refused: it is no longer a replica.
  EXPECT_THROW(promote_replica(replica_url, std::nullopt, false), UserError);
}

TEST(Replica, SetupRefusesANonEmptyFolderAndAMissingPassword) {
  test::PostgresServer primary;
  ReplicaSetupOptions o;
  o.primary_url = primary.url();
  o.replica_dir = primary.data_dir();  // not empty
  o.password = "x";
  EXPECT_THROW(setup_replica(o), UserError);
  o.replica_dir = "/tmp/rehome-replica-never-created";
  o.password = "";
  EXPECT_THROW(setup_replica(o), UserError);
}
