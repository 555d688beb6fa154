#include "real/harness/mariadb_server.hpp"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "common/process.hpp"
#include "real/harness/server_process.hpp"

namespace rehome::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

MariadbServer::MariadbServer(MariadbOptions options) : options_(std::move(options)) {
  if (!fs::exists("/usr/sbin/mariadbd"))
    throw std::runtime_error("mariadbd not found: apt-get install mariadb-server mariadb-client");
  sweep_leftover_servers();
  folder_ = make_server_dir("mariadb", server_user());
  try {
    install();
    port_ = start_on_free_port(
        [this](int port) {
          port_ = port;
          launch();
          wait_ready();
        },
        [this] { stop(); }, log_file(), "Bind on TCP/IP port");
  } catch (...) {
    stop();
    remove_server_dir(folder_, options_.keep_folder);
    throw;
  }
}

MariadbServer::~MariadbServer() {
  stop();
  remove_server_dir(folder_, options_.keep_folder);
}

void MariadbServer::install() {
  fs::path log = folder_ / "install.log";
  pid_t pid =
      spawn({"/usr/bin/mariadb-install-db", "--no-defaults", "--datadir=" + (folder_ / "data").string(),
             "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"},
            {.log_file = log, .user = server_user()});
  int rc = wait_child(pid);
  if (rc != 0)
    throw std::runtime_error(fmt::format("mariadb-install-db failed ({}):\n{}", rc, log_tail(log)));
}

void MariadbServer::launch() {
  std::vector<std::string> argv = {"/usr/sbin/mariadbd",
                                   "--no-defaults",
                                   "--datadir=" + (folder_ / "data").string(),
                                   "--socket=" + socket().string(),
                                   "--pid-file=" + (folder_ / "mariadbd.pid").string(),
                                   "--port=" + std::to_string(port_),
                                   "--bind-address=127.0.0.1",
                                   "--skip-name-resolve",
                                   "--innodb-flush-log-at-trx-commit=0",
                                   "--innodb-buffer-pool-size=128M",
                                   "--innodb-log-file-size=256M",
                                   "--max-connections=100",
                                   "--event-scheduler=OFF"};
  if (options_.binlog) {
    argv.push_back("--log-bin=" + (folder_ / "data" / "binlog").string());
    argv.push_back("--server-id=" + std::to_string(port_));
    argv.push_back("--sync-binlog=0");
  }
  for (const auto& s : options_.settings) argv.push_back(s);
  pid_ = spawn(argv, {.log_file = log_file(), .user = server_user()});
  record_server_pid(folder_, pid_);
}

void MariadbServer::wait_ready() {
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!child_alive(pid_)) {
      pid_ = -1;
      throw std::runtime_error(fmt::format("mariadbd exited during startup:\n{}", log_tail(log_file())));
    }
    if (fs::exists(socket())) {
      auto r = run_process(
          {"/usr/bin/mariadb-admin", "--no-defaults", "-uroot", "--socket=" + socket().string(), "ping"},
          {.timeout = 5s});
      if (r.ok()) return;
    }
    std::this_thread::sleep_for(50ms);
  }
  throw std::runtime_error(fmt::format("mariadbd not ready after 60 s:\n{}", log_tail(log_file())));
}

void MariadbServer::stop() {
  stop_child(pid_, SIGTERM, 30s);
  pid_ = -1;
}

void MariadbServer::start() {
  if (child_alive(pid_)) return;
  launch();
  wait_ready();
}

std::string MariadbServer::url(const std::string& database) const {
  return fmt::format("mariadb://root@127.0.0.1:{}{}", port_, database.empty() ? "" : "/" + database);
}

std::string MariadbServer::sql(const std::string& sql, const std::string& database) const {
  std::vector<std::string> argv = {"/usr/bin/mariadb",
                                   "--no-defaults",
                                   "-uroot",
                                   "--socket=" + socket().string(),
                                   "--batch",
                                   "--skip-column-names",
                                   "--default-character-set=utf8mb4"};
  if (!database.empty()) argv.push_back(database);
  auto r = run_process(argv, {.stdin_data = sql, .timeout = 600s});
  if (!r.ok())
    throw std::runtime_error(
        fmt::format("mariadb on {} failed: {}\nSQL: {}", database, r.err, sql.substr(0, 500)));
  std::string out = r.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string MariadbServer::dump_table(const std::string& database, const std::string& table) const {
  auto r =
      run_process({"/usr/bin/mariadb-dump", "--no-defaults", "-uroot", "--socket=" + socket().string(),
                   "--skip-dump-date", "--order-by-primary", "--no-create-info", "--skip-triggers",
                   "--skip-extended-insert", "--hex-blob", "--tz-utc", "--skip-comments", database, table},
                  {.timeout = 600s});
  if (!r.ok()) throw std::runtime_error(fmt::format("mariadb-dump {}.{} failed: {}", database, table, r.err));
  return r.out;
}

}  // namespace rehome::test
