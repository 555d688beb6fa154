// runbook/shell.hpp's loops, run by a real sh (dash on Debian, as on the servers).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>
#include "common/atomic_file.hpp"
#include "common/process.hpp"

#include "runbook/shell.hpp"

namespace rehome::runbook {
namespace {
namespace fs = std::filesystem;

// A stand-in for `docker stack deploy` that fails with `error` the first `failures` times.
std::string flaky(const fs::path& count, int failures, const std::string& error) {
  return fmt::format(
      "n=$(cat {0}); echo $((n+1)) > {0}; [ $n -ge {1} ] || {{ echo {2}; exit 1; }}; echo deployed",
      shell_quote(count.string()), failures, shell_quote(error));
}

struct Counter {
  fs::path file = fs::temp_directory_path() / fmt::format("rehome-swarm-retry-{}", ::getpid());
  Counter() { write_file_atomically(file, "0\n"); }
  ~Counter() { fs::remove(file); }
  int tries() const { return std::stoi(read_file(file)); }
};

TEST(SwarmRetry, ALostLeaderIsTriedAgainUntilTheSwarmAnswers) {
  Counter c;
  auto r = run_process(
      {"sh", "-c",
       swarm_retry(flaky(c.file, 2,
                         "failed to create service shop_web: Error response from daemon: rpc error: code = "
                         "Unknown desc = raft: failed to process the request: node lost leader status"),
                   30)});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "deployed\n");
  EXPECT_EQ(c.tries(), 3);
  EXPECT_NE(r.err.find("node lost leader status"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("trying again"), std::string::npos) << r.err;
}

TEST(SwarmRetry, AnyOtherErrorFailsAtOnceWithTheEngineAnswer) {
  Counter c;
  auto r = run_process(
      {"sh", "-c", swarm_retry(flaky(c.file, 5, "yaml: line 3: mapping values are not allowed"), 30)});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(c.tries(), 1);
  EXPECT_NE(r.err.find("yaml: line 3"), std::string::npos) << r.err;
}

TEST(SwarmRetry, GivesUpAfterItsTime) {
  Counter c;
  auto r = run_process({"sh", "-c", swarm_retry(flaky(c.file, 99, "The swarm does not have a leader."), 2)});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(c.tries(), 1);
}

}  // namespace
}  // namespace rehome::runbook
