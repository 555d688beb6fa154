// The MariaDB followers of a move (mariadb_followers.hpp): one thread each, running the migrate
// library's follower loop until the cutover's request or the move's end.
#include "move/mariadb_followers.hpp"

#include <chrono>
#include <exception>

namespace rehome::move {

MariadbFollowers::~MariadbFollowers() {
  for (auto& [key, f] : followers_) f->stop = true;
  for (auto& [key, f] : followers_)
    if (f->thread.joinable()) f->thread.join();
}

void MariadbFollowers::start(const std::string& key, migrate::MariadbFollowOptions options) {
  stop(key);
  auto f = std::make_unique<Follower>();
  Follower* raw = f.get();
  options.on_step = nullptr;  // the move's output is the executor's, line by line
  options.interrupted = [raw] { return raw->stop.load(); };
  f->thread = std::thread([raw, options] {
    try {
      migrate::run_mariadb_follow(options);
    } catch (const std::exception& e) {
      raw->error = e.what();
    }
    raw->ended = true;
  });
  // The follower holds its lock within a second or two (the source checked, the stream started).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!raw->ended && std::chrono::steady_clock::now() < deadline) {
    try {
      if (migrate::mariadb_follow_state(options).running) break;
    } catch (const std::exception&) {
      // the target did not answer this time: ask again
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  followers_[key] = std::move(f);
}

std::optional<std::string> MariadbFollowers::finish(const std::string& key) {
  auto it = followers_.find(key);
  if (it == followers_.end()) return std::nullopt;
  auto f = std::move(it->second);
  followers_.erase(it);
  if (f->thread.joinable()) f->thread.join();
  return f->error;
}

void MariadbFollowers::stop(const std::string& key) {
  if (auto it = followers_.find(key); it != followers_.end()) it->second->stop = true;
  finish(key);
}

}  // namespace rehome::move
