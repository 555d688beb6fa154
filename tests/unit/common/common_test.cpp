#include <gtest/gtest.h>

#include <filesystem>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/process.hpp"
#include "common/secrets.hpp"
#include "common/table.hpp"

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

TEST(Process, TimeoutKills) {
  auto r = run_process({"sleep", "5"}, {.timeout = std::chrono::milliseconds(100)});
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
}
