#pragma once
// The MariaDB followers of a move. Once a MariaDB item's copy has recorded its binlog follow (the
// copy's snapshot position, migrate/mariadb/mariadb_follow.hpp), a follower applies the source's
// binlog to the target in rehome's own process (a thread) while the old host still serves and the
// other items copy, so at the freeze the final sync's cutover has only the last moments to apply. The
// cutover asks it, through the target's _rehome.follow, to stop at the freeze position and waits for
// it; finish() then collects it. A follower that is not running (rehome was killed and resumed after
// the copy) costs time, not data: the cutover applies from the recorded position itself.
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "migrate/mariadb/mariadb_follow.hpp"

namespace rehome::move {

class MariadbFollowers {
 public:
  MariadbFollowers() = default;
  MariadbFollowers(const MariadbFollowers&) = delete;
  MariadbFollowers& operator=(const MariadbFollowers&) = delete;
  // Stops every follower between two source transactions (its position recorded) and waits for it.
  ~MariadbFollowers();

  // Starts the follower of `key` (an item's slug) and returns once it holds the follow's lock on the
  // target (or ended: its error is then kept for finish()), so a cutover right after finds it.
  void start(const std::string& key, migrate::MariadbFollowOptions options);
  // Waits for the follower of `key` to end (after its cutover: at once) and forgets it; returns the
  // error it stopped on, if any. Nothing when no follower of `key` was started.
  std::optional<std::string> finish(const std::string& key);
  // Stops the follower of `key` between two source transactions and forgets it (before a copy again).
  void stop(const std::string& key);

 private:
  struct Follower {
    std::atomic<bool> stop{false}, ended{false};
    std::optional<std::string> error;  // written by the thread before it ends, read after join
    std::thread thread;
  };
  std::map<std::string, std::unique_ptr<Follower>> followers_;
};

}  // namespace rehome::move
