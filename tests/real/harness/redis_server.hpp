#pragma once
// A throwaway redis-server for real tests: 127.0.0.1 at a free port, its own folder, no persistence,
// optional requirepass. Stopped by pid and removed by the destructor, even when the test fails.
//
//   rehome::test::RedisServer redis({.password = "s3cret"});
//   redis.cli({"SET", "k", "v"});  redis.url(2)  // redis://:s3cret@127.0.0.1:port/2
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace rehome::test {

struct RedisOptions {
  std::string password;               // empty: no AUTH
  std::vector<std::string> settings;  // extra "--name value" pairs, e.g. {"--databases", "32"}
  bool keep_folder = false;
};

class RedisServer {
 public:
  explicit RedisServer(RedisOptions options = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // redis://[:password@]127.0.0.1:port[/db]
  std::string url(int db = -1) const;
  std::string url_with_password(const std::string& password, int db = -1) const;
  int port() const { return port_; }
  const std::string& password() const { return options_.password; }
  std::filesystem::path folder() const { return folder_; }
  pid_t pid() const { return pid_; }
  bool running() const;

  // Runs redis-cli against this server (database `db`) and returns its output without the trailing
  // newline; throws std::runtime_error when redis-cli fails or prints an error reply.
  std::string cli(const std::vector<std::string>& args, int db = 0) const;
  // Feeds many commands at once (redis-cli --pipe takes the raw protocol; this takes one command per
  // line, words separated by spaces, no quoting) and throws if any failed.
  void pipe(const std::string& commands, int db = 0) const;

  void stop();   // SIGTERM, SIGKILL after 10 s
  void start();  // again, same port and folder

 private:
  void launch();
  void wait_ready();

  RedisOptions options_;
  std::filesystem::path folder_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace rehome::test
