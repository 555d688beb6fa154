#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/process.hpp"
#include "common/secrets.hpp"
#include "common/table.hpp"
#include "common/work_lock.hpp"
#include "support/detached.hpp"

using namespace rehome;

TEST(Secrets, MasksUrlPasswords) {
  EXPECT_EQ(mask_url("postgres://app:s3cr3t@127.0.0.1:5432/db"), "postgres://app:***@127.0.0.1:5432/db");
  EXPECT_EQ(mask_url("redis://:hunter2@127.0.0.1:6379/0"), "redis://:***@127.0.0.1:6379/0");
  EXPECT_EQ(mask_secrets("host=x password=abc dbname=y"), "host=x password=*** dbname=y");
  EXPECT_EQ(mask_secrets("PGPASSWORD=abc pg_dump"), "PGPASSWORD=*** pg_dump");
  EXPECT_EQ(mask_secrets("no secrets here"), "no secrets here");
}

TEST(Table, AlignsColumnsAndUtf8) {
  Table t({"name", ">size"});
  t.add_row({"gitlab", "4.0 GB"});
  t.add_row({"✓ a", "1 MB"});
  EXPECT_EQ(t.render(),
            "name      size\n"
            "------  ------\n"
            "gitlab  4.0 GB\n"
            "✓ a       1 MB\n");
}

TEST(AtomicFile, WritesAndReplaces) {
  auto dir = std::filesystem::temp_directory_path() / "rehome-atomic-test";
  std::filesystem::remove_all(dir);
  auto path = dir / "sub" / "a.txt";
  write_file_atomically(path, "one");
  write_file_atomically(path, "two");
  EXPECT_EQ(read_file(path), "two");
  size_t files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir / "sub")) files += e.is_regular_file();
  EXPECT_EQ(files, 1u) << "no temporary file left behind";
  std::filesystem::remove_all(dir);
}

TEST(AtomicFile, UnwritableFolderNamesThePath) {
  try {
    write_file_atomically("/proc/rehome-no/such.txt", "x");
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("/proc/rehome-no"), std::string::npos);
  }
}

TEST(Process, CapturesOutputAndExitCode) {
  auto r = run_process({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  auto cat = run_process({"cat"}, {.stdin_data = "piped"});
  EXPECT_EQ(cat.out, "piped");
}

TEST(Process, MissingProgramIsAUserError) {
  EXPECT_THROW(run_process({"rehome-no-such-program"}), UserError);
  EXPECT_FALSE(find_program("rehome-no-such-program").has_value());
}

// What a killed run left: a shell's child that outlived it (one ignoring SIGTERM), found by the tag
// in its environment; a process with another tag is left alone.
TEST(Process, EndsTheProcessesTaggedInTheirEnvironment) {
  const std::string tag = fmt::format("REHOME_TEST_TAG={}", ::getpid());
  auto start = [](const std::string& value, const std::string& script) {
    return test::start_detached(script, {{"REHOME_TEST_TAG", value}});
  };
  const int polite = start(std::to_string(::getpid()), "exec sleep 300");
  const int stubborn = start(std::to_string(::getpid()), "trap '' TERM; sleep 300; true");
  const int other = start("other", "exec sleep 300");
  auto ended = end_tagged_processes(tag, std::chrono::milliseconds(300));
  EXPECT_NE(std::find(ended.begin(), ended.end(), polite), ended.end());
  EXPECT_NE(std::find(ended.begin(), ended.end(), stubborn), ended.end());
  EXPECT_EQ(std::find(ended.begin(), ended.end(), other), ended.end());
  // Gone (or a zombie until init reaps it); the other one still runs.
  auto running = [](int pid) {
    std::string stat = read_file(fmt::format("/proc/{}/stat", pid));
    return stat.find(") Z") == std::string::npos;
  };
  EXPECT_TRUE(!std::filesystem::exists(fmt::format("/proc/{}", polite)) || !running(polite));
  EXPECT_TRUE(!std::filesystem::exists(fmt::format("/proc/{}", stubborn)) || !running(stubborn));
  EXPECT_TRUE(running(other));
  ::kill(other, SIGKILL);
  EXPECT_TRUE(end_tagged_processes(tag).empty());
}

// A tagged process that appears after the first look (a shell that forks while it is being ended; under
// load, a process in the middle of its exec reads as untagged for a moment) is ended and named too.
TEST(Process, EndsATaggedProcessThatAppearsAfterTheFirstLook) {
  const std::string tag = fmt::format("REHOME_TEST_LATE={}", ::getpid());
  const int shell = test::start_detached("trap '' TERM; sleep 0.4; sleep 300 & wait",
                                         {{"REHOME_TEST_LATE", std::to_string(::getpid())}});
  auto ended = end_tagged_processes(tag, std::chrono::milliseconds(1500));
  // The shell, its `sleep 0.4` and the `sleep 300` it forks 0.4 s later, long after the first look.
  EXPECT_NE(std::find(ended.begin(), ended.end(), shell), ended.end());
  EXPECT_GE(ended.size(), 3u);
  EXPECT_TRUE(end_tagged_processes(tag).empty());
}

TEST(WorkLock, OneRunAtATimeAndTheHolderNamed) {
  const auto path =
      std::filesystem::temp_directory_path() / fmt::format("rehome-lock-{}/journal.lock", ::getpid());
  {
    WorkLock first(path, "rehome move");
    try {
      WorkLock second(path, "rehome move");
      FAIL() << "a second lock was granted";
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find(
                    fmt::format("another rehome move is running on this work folder (pid {})", ::getpid())),
                std::string::npos)
          << e.what();
    }
  }
  WorkLock again(path, "rehome move");  // released with its holder
  std::filesystem::remove_all(path.parent_path());
}

TEST(Process, TimeoutKills) {
  auto r = run_process({"sleep", "5"}, {.timeout = std::chrono::milliseconds(100)});
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
}
