#pragma once
// A throwaway MariaDB server for real tests: mariadb-install-db into a fresh temp folder, mariadbd on
// 127.0.0.1 at a free port (plus a unix socket in the folder), run as an unprivileged user, binary log
// on, tuned for speed (no fsync at commit). root@127.0.0.1 has no password. Stopped by pid and removed
// by the destructor; swept by the next test run if the test process is killed (server_process.hpp).
//
//   rehome::test::MariadbServer db;
//   db.sql("CREATE DATABASE app");  db.url("app");  // mariadb://root@127.0.0.1:PORT/app
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace rehome::test {

struct MariadbOptions {
  std::vector<std::string> settings;  // extra "--name=value" server options
  bool binlog = true;
  bool keep_folder = false;
};

class MariadbServer {
 public:
  explicit MariadbServer(MariadbOptions options = {});
  ~MariadbServer();
  MariadbServer(const MariadbServer&) = delete;
  MariadbServer& operator=(const MariadbServer&) = delete;

  // mariadb://root@127.0.0.1:port[/db]
  std::string url(const std::string& database = "") const;
  int port() const { return port_; }
  std::filesystem::path folder() const { return folder_; }
  std::filesystem::path socket() const { return folder_ / "mariadb.sock"; }
  std::filesystem::path log_file() const { return folder_ / "mariadbd.log"; }
  pid_t pid() const { return pid_; }

  // Runs SQL through the mariadb client over the socket as root (batch, no column names); returns
  // stdout without the trailing newline. Throws std::runtime_error with the client's message.
  std::string sql(const std::string& sql, const std::string& database = "") const;
  // mariadb-dump of one table, rows in primary-key order, no dates: for comparing two servers.
  std::string dump_table(const std::string& database, const std::string& table) const;

  void stop();
  void start();

 private:
  void install();
  void launch();
  void wait_ready();

  MariadbOptions options_;
  std::filesystem::path folder_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace rehome::test
