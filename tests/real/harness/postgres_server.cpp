#include "real/harness/postgres_server.hpp"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "common/process.hpp"
#include "real/harness/server_process.hpp"

namespace rehome::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

PostgresServer::PostgresServer(PostgresOptions options) : options_(std::move(options)) {
  auto bin = postgres_bin_dir();
  if (!bin)
    throw std::runtime_error(
        "PostgreSQL server binaries not found under /usr/lib/postgresql: apt-get install postgresql-15");
  bin_dir_ = *bin;
  folder_ = make_server_dir("pg", server_user());
  try {
    initdb();
    port_ = start_on_free_port(
        [this](int port) {
          port_ = port;
          launch();
          wait_ready();
        },
        [this] { stop(); }, log_file(), "could not bind");
  } catch (...) {
    stop();
    remove_server_dir(folder_, options_.keep_folder);
    throw;
  }
}

PostgresServer::~PostgresServer() {
  stop();
  remove_server_dir(folder_, options_.keep_folder);
}

void PostgresServer::initdb() {
  RunAs user = server_user();
  std::vector<std::string> argv = {(bin_dir_ / "initdb").string(),
                                   "-D",
                                   data_dir().string(),
                                   "-U",
                                   options_.user,
                                   "-E",
                                   "UTF8",
                                   "--locale=C.UTF-8",
                                   "--no-sync",
                                   "--auth-local=trust"};
  if (options_.password.empty()) {
    argv.push_back("--auth-host=trust");
  } else {
    fs::path pwfile = folder_ / "pwfile";
    std::ofstream(pwfile) << options_.password << "\n";
    if (user.switch_user && ::chown(pwfile.c_str(), user.uid, user.gid) != 0) {
      throw std::runtime_error("chown " + pwfile.string());
    }
    argv.push_back("--auth-host=scram-sha-256");
    argv.push_back("--pwfile=" + pwfile.string());
  }
  fs::path log = folder_ / "initdb.log";
  pid_t pid = spawn(argv, {.log_file = log, .user = user});
  int rc = wait_child(pid);
  std::error_code ec;
  fs::remove(folder_ / "pwfile", ec);
  if (rc != 0) throw std::runtime_error(fmt::format("initdb failed ({}):\n{}", rc, log_tail(log)));
  fs::create_directories(socket_dir());
  if (user.switch_user && ::chown(socket_dir().c_str(), user.uid, user.gid) != 0) {
    throw std::runtime_error("chown " + socket_dir().string());
  }
}

void PostgresServer::launch() {
  std::vector<std::string> argv = {(bin_dir_ / "postgres").string(),
                                   "-D",
                                   data_dir().string(),
                                   "-p",
                                   std::to_string(port_),
                                   "-k",
                                   socket_dir().string(),
                                   "-c",
                                   "listen_addresses=127.0.0.1",
                                   "-c",
                                   "fsync=off",
                                   "-c",
                                   "synchronous_commit=off",
                                   "-c",
                                   "full_page_writes=off",
                                   "-c",
                                   "shared_buffers=32MB",
                                   "-c",
                                   "max_connections=60",
                                   "-c",
                                   "wal_level=replica",
                                   "-c",
                                   "max_wal_senders=4",
                                   "-c",
                                   "max_replication_slots=4",
                                   "-c",
                                   "logging_collector=off",
                                   "-c",
                                   "log_min_messages=warning"};
  for (const auto& setting : options_.settings) {
    argv.push_back("-c");
    argv.push_back(setting);
  }
  pid_ = spawn(argv, {.log_file = log_file(), .user = server_user()});
  record_server_pid(folder_, pid_);
}

void PostgresServer::wait_ready() {
  // postmaster.pid's 8th line says "ready" once the server accepts connections (PostgreSQL >= 10).
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!child_alive(pid_)) {
      pid_ = -1;
      throw std::runtime_error(fmt::format("postgres exited during startup:\n{}", log_tail(log_file())));
    }
    std::string pidfile = slurp(data_dir() / "postmaster.pid");
    if (pidfile.find("\nready") != std::string::npos) return;
    std::this_thread::sleep_for(20ms);
  }
  throw std::runtime_error(fmt::format("postgres not ready after 60 s:\n{}", log_tail(log_file())));
}

bool PostgresServer::running() const { return child_alive(pid_); }

void PostgresServer::stop() {
  stop_child(pid_, SIGINT, 15s);
  pid_ = -1;
}

void PostgresServer::start() {
  if (running()) return;
  launch();
  wait_ready();
}

std::string PostgresServer::url(const std::string& database) const {
  return url_with_password(options_.password, database);
}

std::string PostgresServer::url_with_password(const std::string& password,
                                              const std::string& database) const {
  std::string auth = password.empty() ? options_.user : options_.user + ":" + password;
  return fmt::format("postgresql://{}@127.0.0.1:{}/{}", auth, port_, database);
}

std::string PostgresServer::psql(const std::string& sql, const std::string& database) const {
  auto result = run_process(
      {(bin_dir_ / "psql").string(), "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-h",
       socket_dir().string(), "-p", std::to_string(port_), "-U", options_.user, "-d", database, "-f", "-"},
      {.stdin_data = sql, .timeout = 600s});
  if (!result.ok()) {
    throw std::runtime_error(
        fmt::format("psql on {} failed: {}\nSQL: {}", database, result.err, sql.substr(0, 500)));
  }
  std::string out = result.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

void PostgresServer::create_database(const std::string& name) const {
  psql(fmt::format("CREATE DATABASE \"{}\"", name));
}

}  // namespace rehome::test
