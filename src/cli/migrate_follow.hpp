#pragma once
// `rehome migrate postgres --cutover | --lag | --stop-follow`: the final sync of a migration that
// follows its source (--follow), printed for people or as JSON (cli/migrate_follow.cpp).
#include "migrate/postgres/catch_up.hpp"

namespace rehome::cli {

enum class FollowAction { cutover, lag, stop };

// Runs `action` on the follow of `options` (from, to, selection); returns the exit code.
int run_postgres_follow(FollowAction action, const migrate::FollowOptions& options, bool json_out);

}  // namespace rehome::cli
