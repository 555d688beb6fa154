// A volume's copy runs before the freeze, while the old writers still write: differences they cause
// are left to the final sync (which proves the volume with them stopped); any other difference fails.
#include <gtest/gtest.h>

#include "move/final_sync.hpp"

namespace rehome::move {
namespace {

migrate::volume::VolumeMigrationReport differing(std::vector<migrate::volume::Writer> writers) {
  migrate::volume::VolumeMigrationReport r;
  r.mismatches = {{"writes.log", "size 1746 != 1719, mtime, sha256"}};
  r.writers = std::move(writers);
  return r;
}

TEST(VolumePass, TheCopyLeavesWhatTheOldWritersChangedToTheFinalSync) {
  auto r = volume_pass_result(differing({{"source", "shop-app-1"}}), "copy");
  EXPECT_TRUE(r.ok);
  EXPECT_TRUE(r.problems.empty());
  EXPECT_NE(r.summary.find("1 file(s) changed while copying (written by shop-app-1)"), std::string::npos)
      << r.summary;
}

TEST(VolumePass, AnyOtherDifferenceFails) {
  // No writer running: nothing explains it.
  EXPECT_FALSE(volume_pass_result(differing({}), "copy").ok);
  // A writer on the new side: the copy itself may be overwritten.
  EXPECT_FALSE(volume_pass_result(differing({{"source", "a"}, {"target", "b"}}), "copy").ok);
  // The final sync and the verify run with the writers stopped: a difference there always fails.
  for (const char* pass : {"final-sync", "verify"}) {
    auto r = volume_pass_result(differing({{"source", "shop-app-1"}}), pass);
    EXPECT_FALSE(r.ok) << pass;
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0], "writes.log: size 1746 != 1719, mtime, sha256");
  }
}

TEST(VolumePass, AnEqualVolumeIsOk) {
  migrate::volume::VolumeMigrationReport r;
  r.writers = {{"source", "shop-app-1"}};
  EXPECT_TRUE(volume_pass_result(r, "copy").ok);
  EXPECT_TRUE(volume_pass_result(r, "final-sync").ok);
}

}  // namespace
}  // namespace rehome::move
