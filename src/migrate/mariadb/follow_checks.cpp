// Before a follow writes anything: can the source be followed and the target replay it? Every problem
// names the setting and what to do; all of them are gathered before one error.
#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/error.hpp"
#include "common/process.hpp"
#include "migrate/mariadb/follow_steps.hpp"

namespace rehome::migrate {
namespace {

using engines::MariadbConnection;

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The grants of the current user, upper-cased, joined.
std::string grants(MariadbConnection& c) {
  std::string all;
  for (const auto& row : c.query("SHOW GRANTS FOR CURRENT_USER()")) all += upper(row[0].value_or("")) + "\n";
  return all;
}

bool global_grant(const std::string& grants, const std::string& privilege) {
  size_t start = 0;
  while (start < grants.size()) {
    size_t end = grants.find('\n', start);
    std::string line = grants.substr(start, end - start);
    start = end == std::string::npos ? grants.size() : end + 1;
    if (line.find(" ON *.* ") == std::string::npos) continue;
    if (line.find("ALL PRIVILEGES") != std::string::npos || line.find(privilege) != std::string::npos)
      return true;
  }
  return false;
}

}  // namespace

FollowCheck check_follow_source(const MariadbFollowOptions& o, const std::optional<BinlogPosition>& from,
                                bool check_target) {
  FollowCheck check;
  const auto source_url = engines::parse_mariadb_url(o.from, "--from");
  const auto target_url = engines::parse_mariadb_url(o.to, "--to");
  const engines::MariadbConnectOptions connect{.defaults_file = o.defaults_file};
  MariadbConnection source(mariadb::server_endpoint(source_url), "source", connect);
  const std::string who = source_url.identity();
  if (!find_program("mariadb-binlog"))
    check.problems.push_back(
        "mariadb-binlog is not installed on this machine (it streams the source's binlog): apt-get install "
        "mariadb-client");
  if (!source.is_mariadb()) {
    check.problems.push_back(fmt::format(
        "the source {} is MySQL: the binlog follow reads MariaDB's binary log; use the whole verified pass "
        "(migrate without --follow, again with --truncate under the freeze)",
        who));
    return check;
  }
  auto variable = [&](const std::string& name) {
    return source.scalar("SELECT @@GLOBAL." + name).value_or("");
  };
  const std::string log_bin = variable("log_bin");
  if (log_bin != "1" && upper(log_bin) != "ON") {
    check.problems.push_back(fmt::format(
        "the source {} has log_bin off: nothing records its changes. Set log_bin = mariadb-bin and server_id "
        "(any number not 0) under [mariadbd] in its configuration and restart it",
        who));
  }
  check.binlog_format = upper(variable("binlog_format"));
  if (check.binlog_format == "STATEMENT") {
    check.problems.push_back(fmt::format(
        "the source {} has binlog_format = STATEMENT: statements replayed elsewhere may not give the same "
        "rows. "
        "Run SET GLOBAL binlog_format = 'ROW' on it and put binlog_format = ROW under [mariadbd] (sessions "
        "already open keep the old format: restart the applications, or the server)",
        who));
  } else if (check.binlog_format == "MIXED") {
    check.warnings.push_back(fmt::format(
        "the source {} has binlog_format = MIXED: statements it judges safe are logged as statements and "
        "replayed as such; ROW is exact (SET GLOBAL binlog_format = 'ROW', and binlog_format = ROW under "
        "[mariadbd])",
        who));
  }
  const std::string g = grants(source);
  if (!global_grant(g, "REPLICATION SLAVE"))
    check.problems.push_back(
        fmt::format("the source user {} lacks REPLICATION SLAVE (reading the binlog stream): GRANT "
                    "REPLICATION SLAVE ON *.* "
                    "TO that user",
                    who));
  const std::string monitor_name =
      source.server_version() >= 100502 ? "BINLOG MONITOR" : "REPLICATION CLIENT";
  if (!global_grant(g, monitor_name) && !global_grant(g, "SUPER"))
    check.problems.push_back(fmt::format(
        "the source user {} lacks {} (reading the binlog position and files): GRANT {} ON *.* TO that user",
        who, monitor_name, monitor_name));
  if (from && check.problems.empty()) {
    std::vector<std::string> files;
    for (const auto& row : source.query("SHOW BINARY LOGS")) files.push_back(row[0].value_or(""));
    if (std::find(files.begin(), files.end(), from->file) == files.end()) {
      check.problems.push_back(
          fmt::format("the source {} no longer has binlog file {} (the follow starts at {}): it was purged "
                      "(expire_logs_days / "
                      "binlog_expire_logs_seconds, or PURGE BINARY LOGS; oldest kept: {}). Start over: run "
                      "the copy again with "
                      "--truncate --follow, and keep the binlog longer than the copy and the follow take",
                      who, from->file, from->text(), files.empty() ? "none" : files.front()));
    }
  }
  if (!check_target) return check;
  MariadbConnection target(mariadb::server_endpoint(target_url), "target", connect);
  const std::string tg = grants(target);
  if (!global_grant(tg, "BINLOG REPLAY") && !global_grant(tg, "SUPER"))
    check.problems.push_back(
        fmt::format("the target user {} may not replay binlog events: GRANT BINLOG REPLAY ON *.* TO that "
                    "user (MariaDB 10.5.2 "
                    "and later; SUPER before)",
                    target_url.identity()));
  return check;
}

void require_follow_source(const MariadbFollowOptions& o, const std::optional<BinlogPosition>& from) {
  auto check = check_follow_source(o, from);
  if (check.ok()) return;
  throw UserError(
      fmt::format("the binlog follow cannot run ({} problem{}):\n  - {}", check.problems.size(),
                  check.problems.size() == 1 ? "" : "s", fmt::join(check.problems, "\n  - ")),
      "fix them and run again; nothing was written to the target. Without a follow, the final sync is "
      "a whole verified pass (migrate again with --truncate under the freeze)");
}

}  // namespace rehome::migrate
