#pragma once
// `rehome migrate mariadb --follow | --cutover | --lag | --stop-follow`: the binlog final sync of a
// MariaDB migration, printed for people or as JSON (cli/migrate_mariadb_follow.cpp).
#include <functional>

#include "cli/migrate_follow.hpp"
#include "migrate/mariadb/mariadb_follow.hpp"

namespace rehome::cli {

// --cutover, --lag or --stop-follow on the follow of `options`; returns the exit code.
int run_mariadb_follow_action(FollowAction action, const migrate::MariadbFollowOptions& options,
                              bool json_out);
// --follow: the copy (printed by `print_copy`), then the follow in the foreground until Ctrl-C,
// SIGTERM, --stop-follow or --cutover.
int run_mariadb_follow(const migrate::MariadbMigrationOptions& migration,
                       migrate::MariadbFollowOptions options, bool json_out,
                       const std::function<void(const migrate::MariadbMigrationReport&)>& print_copy);

}  // namespace rehome::cli
