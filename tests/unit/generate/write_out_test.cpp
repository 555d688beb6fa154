// Writing the output folder: atomic per file, untouched when unchanged, stale detection, cleanup.
#include "generate/write_out.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/atomic_file.hpp"

namespace rehome::generate {
namespace {
namespace fs = std::filesystem;

class WriteOut : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "rehome-gen-unit-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir = pattern;
  }
  void TearDown() override { fs::remove_all(dir); }
  FileStatus status_of(const std::vector<OutputEntry>& entries, const std::string& path) {
    for (const auto& e : entries) {
      if (e.path == path) return e.status;
    }
    ADD_FAILURE() << path << " not listed";
    return FileStatus::unchanged;
  }
  fs::path dir;
};

TEST_F(WriteOut, WritesThenLeavesUnchangedFilesAlone) {
  Files files{{"a.yml", "a: 1\n"}, {"sub/run.sh", "#!/bin/sh\n"}};
  auto first = write_output(dir, files);
  EXPECT_EQ(status_of(first, "a.yml"), FileStatus::written);
  EXPECT_EQ(read_file(dir / "sub/run.sh"), "#!/bin/sh\n");
  struct stat st {};
  ASSERT_EQ(::stat((dir / "sub/run.sh").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  auto before = fs::last_write_time(dir / "a.yml");
  auto second = write_output(dir, files);
  EXPECT_EQ(status_of(second, "a.yml"), FileStatus::unchanged);
  EXPECT_EQ(fs::last_write_time(dir / "a.yml"), before);
  EXPECT_FALSE(is_stale(compare_output(dir, files)));
}

TEST_F(WriteOut, CheckFindsChangedMissingAndObsoleteFilesWithoutWriting) {
  write_output(dir, {{"a.yml", "a: 1\n"}, {"old.yml", "x\n"}});
  write_file_atomically(dir / "mine.txt", "a person's own file\n");
  Files now{{"a.yml", "a: 2\n"}, {"b.yml", "b\n"}};
  auto entries = compare_output(dir, now);
  EXPECT_TRUE(is_stale(entries));
  EXPECT_EQ(status_of(entries, "a.yml"), FileStatus::differs);
  EXPECT_EQ(status_of(entries, "b.yml"), FileStatus::missing);
  EXPECT_EQ(status_of(entries, "old.yml"), FileStatus::obsolete);
  EXPECT_EQ(read_file(dir / "a.yml"), "a: 1\n");  // nothing written
  EXPECT_FALSE(fs::exists(dir / "b.yml"));

  auto written = write_output(dir, now);
  EXPECT_EQ(status_of(written, "old.yml"), FileStatus::removed);
  EXPECT_FALSE(fs::exists(dir / "old.yml"));
  EXPECT_TRUE(fs::exists(dir / "mine.txt"));  // never ours: left alone
  EXPECT_FALSE(is_stale(compare_output(dir, now)));
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
  }
}

TEST_F(WriteOut, RefusesAFileWhereTheFolderShouldBe) {
  write_file_atomically(dir / "file", "x");
  EXPECT_ANY_THROW(write_output(dir / "file", {{"a", "b"}}));
}

}  // namespace
}  // namespace rehome::generate
