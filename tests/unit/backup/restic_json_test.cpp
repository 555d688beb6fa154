// Parsing restic 0.14's --json output into typed results (captured from the real program).
#include <gtest/gtest.h>

#include "backup/restic.hpp"
#include "backup/stream.hpp"
#include "common/error.hpp"

using namespace rehome::backup;

TEST(ResticJson, TimeWithNanosecondsAndOffsets) {
  EXPECT_EQ(parse_restic_time("2026-12-07T00:50:37.977154374Z"), 1796604637);
  EXPECT_EQ(parse_restic_time("2028-07-30T00:30:00+02:00"), parse_restic_time("2028-07-29T22:30:00Z"));
  EXPECT_EQ(parse_restic_time("2028-07-30T00:30:00.5-05:30"), parse_restic_time("2028-07-30T06:00:00Z"));
  EXPECT_EQ(parse_restic_time("garbage"), 0);
}

TEST(ResticJson, BackupSummaryIsTheSummaryLine) {
  auto s = parse_backup_summary(
      "{\"message_type\":\"status\",\"percent_done\":0.5}\n"
      "{\"message_type\":\"summary\",\"files_new\":1,\"files_changed\":0,\"files_unmodified\":2,"
      "\"data_added\":1408,\"total_bytes_processed\":3,\"snapshot_id\":\"93615f6c\"}\n");
  EXPECT_EQ(s.snapshot_id, "93615f6c");
  EXPECT_EQ(s.files_new, 1);
  EXPECT_EQ(s.files_unmodified, 2);
  EXPECT_EQ(s.data_added, 1408);
  EXPECT_THROW(parse_backup_summary("{\"message_type\":\"status\"}\n"), rehome::UserError);
}

TEST(ResticJson, SnapshotsAndTags) {
  auto list = parse_snapshots(
      "[{\"time\":\"2026-12-07T00:50:37.977154374Z\",\"paths\":[\"/s/app\"],\"hostname\":\"vm\","
      "\"tags\":[\"rehome\",\"estate=wizardsofts\",\"kind=postgres\"],\"id\":\"93615f6cd977\","
      "\"short_id\":\"93615f6c\"}]");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].short_id, "93615f6c");
  EXPECT_TRUE(list[0].has_tag("rehome"));
  EXPECT_FALSE(list[0].has_tag(verified_tag));
  EXPECT_EQ(list[0].tag_value("kind"), "postgres");
  EXPECT_EQ(list[0].tag_value("service"), "");
  EXPECT_TRUE(parse_snapshots("null").empty());
  EXPECT_THROW(parse_snapshots("{"), rehome::UserError);
}

TEST(ResticJson, ForgetGroupsKeepAndRemove) {
  auto f = parse_forget(
      "[{\"tags\":null,\"host\":\"h\",\"paths\":[\"/"
      "a\"],\"keep\":[{\"id\":\"1\",\"time\":\"2028-07-30T00:30:00+02:00\"}],"
      "\"remove\":[{\"id\":\"2\",\"time\":\"2028-07-29T00:30:00+02:00\"}]},"
      "{\"keep\":[{\"id\":\"3\",\"time\":\"2028-07-30T00:30:00Z\"}],\"remove\":null}]");
  EXPECT_EQ(f.keep.size(), 2u);
  ASSERT_EQ(f.remove.size(), 1u);
  EXPECT_EQ(f.remove[0].id, "2");
}

TEST(ResticJson, TagsHaveNoCommas) {
  auto tags = snapshot_tags("my estate", "db,1", "postgres");
  EXPECT_EQ(tags, (std::vector<std::string>{"rehome", "estate=my_estate", "service=db_1", "kind=postgres"}));
}

TEST(StreamTar, UstarHeaderWithSizeAndChecksum) {
  auto h = rehome::backup::tar_header("db.dump.000000", 70000000, 1800000000);
  ASSERT_EQ(h.size(), 512u);
  EXPECT_EQ(h.substr(0, 14), "db.dump.000000");
  EXPECT_EQ(h.substr(124, 11), "00413016600");  // 70,000,000 in octal
  EXPECT_EQ(h.substr(257, 5), "ustar");
  unsigned sum = 0;
  for (size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
  EXPECT_EQ(std::stoul(h.substr(148, 6), nullptr, 8), sum);
  EXPECT_THROW(rehome::backup::tar_header(std::string(100, 'x'), 1, 0), rehome::UserError);
}
