// Pure logic of the volume mover: manifest lines (escaping any path), the pass's plan (changed, new,
// renamed by content, deleted, hard-link groups) and the proof's comparison.
#include <gtest/gtest.h>

#include "migrate/volume/volume_entry.hpp"
#include "migrate/volume/volume_migration.hpp"
#include "migrate/volume/volume_plan.hpp"

namespace rehome::migrate::volume {
namespace {

Entry file(const std::string& path, const std::string& sha, uint64_t size = 10) {
  Entry e;
  e.type = 'f';
  e.path = path;
  e.mode = 0644;
  e.size = size;
  e.mtime_ns = 1000;
  e.sha256 = sha;
  return e;
}
Entry dir(const std::string& path) {
  Entry e;
  e.type = 'd';
  e.path = path;
  e.mode = 0755;
  return e;
}

TEST(VolumeEntry, AnyPathSurvivesAManifestLine) {
  Entry e = file("a b\nc\t%d ünï/✓", "ab");
  e.link = "";
  e.xattrs = "75=00";
  auto back = parse_entry(format_entry(e));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->path, e.path);
  EXPECT_EQ(back->link, "");
  EXPECT_EQ(format_entry(e).find('\n'), std::string::npos);
  EXPECT_TRUE(same_entry(e, *back));
}

TEST(VolumeEntry, DifferencesNameTheField) {
  Entry a = file("x", "aa"), b = a;
  b.mode = 04755;
  b.sha256 = "bb";
  EXPECT_EQ(entry_differences(a, b), "mode 0644 != 4755, sha256");
  b = a;
  b.ino = 9;  // the cache key is not compared
  b.ctime_ns = 5;
  EXPECT_TRUE(same_entry(a, b));
}

TEST(VolumePlan, SendsOnlyWhatDiffersAndEveryFolder) {
  std::vector<Entry> src = {dir("."), file("same", "1"), file("changed", "2"), file("new", "3")};
  std::vector<Entry> dst = {dir("."), file("same", "1"), file("changed", "old"), file("gone", "9", 99)};
  CopyPlan p = plan_copy(src, dst);
  ASSERT_EQ(p.send.size(), 3u);  // ".", changed, new
  EXPECT_EQ(p.send[1].path, "changed");
  EXPECT_EQ(p.send_bytes, 20);
  EXPECT_EQ(p.deletes, std::vector<std::string>{"gone"});
  EXPECT_TRUE(p.renames.empty());
}

TEST(VolumePlan, RenameByContentAndDeletedFolderGoesWhole) {
  std::vector<Entry> src = {dir("."), dir("b"), file("b/moved", "big", 5000)};
  std::vector<Entry> dst = {dir("."), dir("a"), file("a/one", "x"), file("a/two", "big", 5000)};
  CopyPlan p = plan_copy(src, dst);
  ASSERT_EQ(p.renames.size(), 1u);
  EXPECT_EQ(p.renames[0].first, "a/two");
  EXPECT_EQ(p.renames[0].second.path, "b/moved");
  EXPECT_EQ(p.send_bytes, 0);
  EXPECT_EQ(p.deletes, std::vector<std::string>{"a"});
}

TEST(VolumePlan, AHardLinkGroupGoesWholeWhenOneNameDiffers) {
  Entry l1 = file("h1", "s"), l2 = file("h2", "s");
  l1.leader = l2.leader = "h1";
  Entry t2 = l2;
  t2.leader = "";  // on the target h2 is a separate file
  CopyPlan p = plan_copy({dir("."), l1, l2}, {dir("."), l1, t2});
  ASSERT_EQ(p.send.size(), 3u);
  EXPECT_EQ(p.send_files, 1);  // h1 carries the data, h2 is linked to it
}

TEST(VolumeProof, ListsMissingExtraAndDifferent) {
  auto m = compare_manifests({dir("."), file("a", "1"), file("b", "2")},
                             {dir("."), file("b", "3"), file("c", "4")});
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].path, "a");
  EXPECT_EQ(m[0].what, "missing on the target");
  EXPECT_EQ(m[1].what, "sha256");
  EXPECT_EQ(m[2].what, "extra on the target");
}

}  // namespace
}  // namespace rehome::migrate::volume
