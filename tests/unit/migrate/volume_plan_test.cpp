// Pure logic of the volume mover: manifest lines (escaping any path), the pass's plan (changed, new,
// renamed by content, deleted, hard-link groups) and the proof's comparison.
#include <gtest/gtest.h>

#include "migrate/volume/volume_copy.hpp"
#include "migrate/volume/volume_entry.hpp"
#include "migrate/volume/volume_migration.hpp"
#include "migrate/volume/volume_plan.hpp"
#include "migrate/volume/volume_touched.hpp"

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

TEST(VolumePlan, SameContentOtherMetadataSendsOnlyTheMetadata) {
  Entry t = file("f", "s", 5000), s = t;
  s.mode = 0600;
  CopyPlan p = plan_copy({dir("."), s}, {dir("."), t});
  ASSERT_EQ(p.meta.size(), 1u);
  EXPECT_EQ(p.meta[0].mode, 0600u);
  EXPECT_EQ(p.send_bytes, 0);
  EXPECT_EQ(p.send.size(), 1u);  // the folder
}

TEST(VolumePlan, AFileWhoseHashIsUnknownIsNeverTakenAsIdentical) {
  Entry t = file("f", "", 5000), s = file("f", "", 5000);
  CopyPlan p = plan_copy({dir("."), s}, {dir("."), t});
  EXPECT_EQ(p.send_bytes, 5000);
  EXPECT_TRUE(p.meta.empty());
}

TEST(VolumeHashRequests, OnlyFilesThatMayBeUnchangedOrRenamed) {
  Entry maybe_src = file("maybe", "", 100), maybe_dst = file("maybe", "t", 100);
  maybe_dst.mtime_ns = 1000 + 500;  // an archive's truncated mtime: same second
  Entry edited_src = file("edited", "", 100), edited_dst = file("edited", "t", 100);
  edited_src.mtime_ns = 5000000000;  // another second: sent, hashed as it is sent
  Entry moved = file("new/place", "", 7777), gone = file("old/place", "", 7777);
  Entry fresh = file("fresh", "", 31);
  HashRequests r =
      hash_requests({dir("."), maybe_src, edited_src, moved, fresh}, {dir("."), maybe_dst, edited_dst, gone});
  ASSERT_EQ(r.source.size(), 2u);
  EXPECT_EQ(r.source[0].path, "maybe");
  EXPECT_EQ(r.source[1].path, "new/place");
  ASSERT_EQ(r.target.size(), 1u);  // maybe's target hash is known
  EXPECT_EQ(r.target[0].path, "old/place");
}

TEST(VolumeHashRequests, FillHashesKeepsAFileThatChangedSinceAndLinksFollowTheirLeader) {
  Entry a = file("a", ""), h1 = file("h1", ""), h2 = file("h2", "");
  h1.leader = h2.leader = "h1";
  std::vector<Entry> manifest = {a, h1, h2};
  Entry a_now = file("a", "new"), h1_now = file("h1", "lead");
  a_now.size = 11;  // grew between the scan and the hash: the scan's line stays unhashed
  fill_hashes(manifest, {a_now, h1_now});
  EXPECT_EQ(manifest[0].sha256, "");
  EXPECT_EQ(manifest[1].sha256, "lead");
  EXPECT_EQ(manifest[2].sha256, "lead");
}

TEST(VolumeHashRequests, TheCacheCountsOnlyForAnUnchangedStat) {
  Entry same = file("same", ""), touched = file("touched", ""), h1 = file("h1", ""), h2 = file("h2", "");
  h1.leader = h2.leader = "h1";
  std::vector<Entry> manifest = {same, touched, h1, h2};
  Entry c_same = file("same", "s1"), c_touched = file("touched", "t1"), c_h1 = file("h1", "l1");
  c_touched.ctime_ns = 77;  // its ctime moved since it was hashed: read again
  std::string cache = format_entry(file("same", "old")) + "\n" + format_entry(c_same) + "\n" +
                      format_entry(c_touched) + "\n" + format_entry(c_h1) + "\n";
  std::vector<Entry> misses = apply_cache(manifest, cache);
  EXPECT_EQ(manifest[0].sha256, "s1");  // the later line wins
  EXPECT_EQ(manifest[1].sha256, "");
  EXPECT_EQ(manifest[3].sha256, "l1");  // a follower takes its leader's
  ASSERT_EQ(misses.size(), 1u);
  EXPECT_EQ(misses[0].path, "touched");
}

TEST(VolumeHashRequests, ATouchedOnlyProofKeepsTheHashesItHasAndTakesTheRestFromWhatThePassHashed) {
  Entry kept = file("kept", "k1"), sent = file("sent", ""), lost = file("lost", "");
  std::vector<Entry> manifest = {kept, sent, lost};
  ManifestCache cache;
  add_to_cache(cache, format_entry(file("sent", "s1")) + "\n");
  std::vector<Entry> misses = apply_cache_to_missing(manifest, cache);
  EXPECT_EQ(manifest[0].sha256, "k1");  // not in the cache, but known: kept (apply_cache would ask for it)
  EXPECT_EQ(manifest[1].sha256, "s1");
  ASSERT_EQ(misses.size(), 1u);
  EXPECT_EQ(misses[0].path, "lost");
}

TEST(VolumeTransport, TheArchiveOnlyWhenMostOfABigVolumeIsSent) {
  CopyPlan p;
  p.send_bytes = 900ll << 20;
  EXPECT_EQ(choose_transport(Transport::automatic, p, 1000ll << 20), Transport::archive);
  EXPECT_EQ(choose_transport(Transport::automatic, p, 4000ll << 20), Transport::stream);
  p.send_bytes = 10ll << 20;
  EXPECT_EQ(choose_transport(Transport::automatic, p, 10ll << 20), Transport::stream);
  EXPECT_EQ(choose_transport(Transport::archive, p, 10ll << 20), Transport::archive);
}

TEST(VolumeArchiveUnits, TopLevelEntriesLargestFirstAndABigFolderSplitIntoItsChildren) {
  std::vector<Entry> m = {dir("."),
                          file("a", "x", 10),
                          dir("big"),
                          file("big/1", "x", 500),
                          file("big/2", "x", 400),
                          dir("big/sub"),
                          file("big/sub/3", "x", 100),
                          file("c", "x", 30)};
  ArchiveUnits one = archive_units(m, 1);  // one relay: the top-level entries, never split
  EXPECT_EQ(one.units, (std::vector<std::string>{"big", "c", "a"}));
  EXPECT_TRUE(one.folders.empty());
  ArchiveUnits three = archive_units(m, 3);  // "big" holds 1000 of 1040 bytes: split, made first
  EXPECT_EQ(three.folders, (std::vector<std::string>{"big"}));
  EXPECT_EQ(three.units, (std::vector<std::string>{"big/1", "big/2", "big/sub", "c", "a"}));
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

TEST(VolumeProof, ComparesSidesGivenInAnyOrder) {
  // A side not in path order (a hand-made list, a future helper) is sorted before the walk.
  auto m = compare_manifests({file("z", "1"), dir("."), file("a", "2"), file("m", "3")},
                             {file("m", "3"), file("b", "9"), dir("."), file("z", "1"), file("a", "2")});
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].path, "b");
  EXPECT_EQ(m[0].what, "extra on the target");
  EXPECT_TRUE(compare_manifests({file("a", "1"), dir(".")}, {dir("."), file("a", "1")}).empty());
}

TEST(VolumeProof, TargetAfterAPassKeepsUntouchedAndTakesTheRestat) {
  std::vector<Entry> src = {
      dir("."), dir("a"), file("a/same", "1"), file("a/changed", "2"), file("a/new", "3", 7), dir("b")};
  Entry same = file("a/same", "1");
  same.ino = 5;
  std::vector<Entry> dst = {dir("."),   dir("a"),          file("a/changed", "old"),
                            same,       dir("b"),          file("b/moved", "3", 7),
                            dir("old"), file("old/x", "9")};
  CopyPlan plan = plan_copy(src, dst);
  ASSERT_EQ(plan.renames.size(), 1u);  // b/moved -> a/new
  std::vector<std::string> touched = touched_paths(plan);
  EXPECT_EQ(touched, (std::vector<std::string>{".", "a", "a/changed", "a/new", "b"}));
  // What the target's helper answers for those paths now; a/new is a hard link of a/same now.
  Entry changed = file("a/changed", "");
  changed.ino = 8;
  Entry linked = file("a/new", "", 7);
  linked.ino = 5;
  std::vector<Entry> after =
      target_after(dst, plan, touched, {dir("."), dir("a"), changed, linked, dir("b")});
  std::vector<std::string> paths;
  for (const auto& e : after) paths.push_back(e.path);
  EXPECT_EQ(paths, (std::vector<std::string>{".", "a", "a/changed", "a/new", "a/same", "b"}));
  EXPECT_EQ(after[2].sha256, "");       // re-stat'ed: hashed by a cache or the helper
  EXPECT_EQ(after[4].sha256, "1");      // untouched: proven by the scan before the pass
  EXPECT_EQ(after[3].leader, "a/new");  // the group of inode 5, led by its smallest path
  EXPECT_EQ(after[4].leader, "a/new");
  EXPECT_EQ(after[2].leader, "");
}

}  // namespace
}  // namespace rehome::migrate::volume
