#pragma once
// A throwaway PostgreSQL server for real tests: initdb into a fresh temp folder, postgres listening on
// 127.0.0.1 at a free port (plus a unix socket inside the folder), tuned for speed (fsync=off, small
// shared_buffers), wal_level=replica with WAL senders for replica tests. Stopped by pid and removed
// by the destructor, even when the test fails; if the test process is killed, the kernel kills the
// server (PDEATHSIG) and the next test run sweeps the folder (see server_process.hpp).
//
//   rehome::test::PostgresServer pg;                       // trust auth
//   rehome::test::PostgresServer pg({.password = "s3cret"}); // scram over TCP, trust on the socket
//   pg.psql("CREATE TABLE t(x int)");  pg.url("appdb");
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace rehome::test {

struct PostgresOptions {
  std::string password;               // empty: trust on TCP too; else scram-sha-256 on TCP
  std::string user = "postgres";      // the superuser initdb creates
  std::vector<std::string> settings;  // extra "name=value" server settings
  bool keep_folder = false;           // leave the temp folder behind (debugging)
};

class PostgresServer {
 public:
  explicit PostgresServer(PostgresOptions options = {});
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // postgresql://user[:password]@127.0.0.1:port/db
  std::string url(const std::string& database = "postgres") const;
  // The same with another password (for wrong-password tests) or none.
  std::string url_with_password(const std::string& password, const std::string& database = "postgres") const;
  int port() const { return port_; }
  const std::string& user() const { return options_.user; }
  const std::string& password() const { return options_.password; }
  std::filesystem::path folder() const { return folder_; }
  std::filesystem::path data_dir() const { return folder_ / "data"; }
  std::filesystem::path socket_dir() const { return folder_ / "socket"; }
  std::filesystem::path log_file() const { return folder_ / "postgres.log"; }
  std::filesystem::path bin_dir() const { return bin_dir_; }
  pid_t pid() const { return pid_; }
  bool running() const;

  // Runs SQL through psql over the unix socket (-X -A -t, ON_ERROR_STOP); returns stdout without the
  // trailing newline. Throws std::runtime_error with psql's message on failure.
  std::string psql(const std::string& sql, const std::string& database = "postgres") const;
  void create_database(const std::string& name) const;

  // Fast shutdown (SIGINT), SIGKILL after 15 s; the data folder stays until destruction.
  void stop();
  // Starts again on the same port and data folder after stop().
  void start();

 private:
  void initdb();
  void launch();
  void wait_ready();

  PostgresOptions options_;
  std::filesystem::path bin_dir_;
  std::filesystem::path folder_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace rehome::test
