// The consistent instant, as mydumper takes it: FLUSH TABLES WITH READ LOCK stops every write and
// commit on the source; while it is held each worker opens START TRANSACTION WITH CONSISTENT SNAPSHOT
// (all of them see the same committed state) and the binlog position is read; then the lock goes.
// InnoDB tables are read in those snapshots afterwards; tables of engines without transactions
// (MyISAM, Aria, MEMORY ...) have no snapshot, so the lock stays until they are copied and proven.
// BACKUP STAGE (MariaDB >= 10.4) is built for physical backups (it lets non-transactional writes
// continue until BLOCK_COMMIT); FLUSH TABLES WITH READ LOCK is what a logical copy of mixed engines
// needs, and MySQL has it too.
#include <chrono>

#include <fmt/format.h>

#include "migrate/mariadb/steps.hpp"

namespace rehome::migrate::mariadb {
namespace {
double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

void set_copy_session(MariadbConnection& c) {
  c.exec(
      "SET NAMES binary, time_zone = '+00:00', "
      "sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION', group_concat_max_len = 1048576");
}

ReadLock::ReadLock(MariadbConnection& control) : control_(control) {
  // Flush first without the lock, so the locking flush has little left to wait for (mydumper too).
  control_.exec("SET SESSION lock_wait_timeout = 60");
  control_.exec("FLUSH NO_WRITE_TO_BINLOG TABLES");
  control_.exec("FLUSH TABLES WITH READ LOCK");
  held_ = true;
  start_ = now_seconds();
}

ReadLock::~ReadLock() {
  try {
    release();
  } catch (...) {
  }
}

void ReadLock::release() {
  std::lock_guard lock(mutex_);
  if (!held_) return;
  held_ = false;
  seconds_ = now_seconds() - start_;
  control_.exec("UNLOCK TABLES");
}

double ReadLock::held_seconds() const { return held_ ? now_seconds() - start_ : seconds_; }

void begin_snapshot(MariadbConnection& c) {
  set_copy_session(c);
  c.exec("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  c.exec("START TRANSACTION WITH CONSISTENT SNAPSHOT");
}

std::string binlog_position(MariadbConnection& control) {
  auto rows = control.query("SHOW MASTER STATUS");
  if (rows.empty() || rows[0].size() < 2 || !rows[0][0]) return "binlog off";
  std::string position = fmt::format("{}:{}", *rows[0][0], rows[0][1].value_or("?"));
  std::string gtid_sql = control.is_mariadb() ? "SELECT @@gtid_binlog_pos" : "SELECT @@gtid_executed";
  try {
    auto gtid = control.scalar(gtid_sql);
    if (gtid && !gtid->empty()) position += ", gtid " + *gtid;
  } catch (const engines::MariadbError&) {
    // GTIDs off or unknown on this server: the file position says it all.
  }
  return position;
}

std::string server_identity(MariadbConnection& c) {
  if (!c.is_mariadb()) {
    if (auto uuid = c.scalar("SELECT @@server_uuid"); uuid && !uuid->empty()) return *uuid;
  }
  auto rows = c.query("SELECT @@server_id, @@hostname, @@port, @@version");
  const auto& r = rows.at(0);
  return fmt::format("server_id {} at {}:{} ({})", r[0].value_or("?"), r[1].value_or("?"), r[2].value_or("?"),
                     r[3].value_or("?"));
}

}  // namespace rehome::migrate::mariadb
