// The volume mover's room check (migrate/volume/volume_room.hpp): a pass that cannot fit on the target
// stops before copying, with the target, its engine and the space needed in the message.
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "migrate/volume/volume_room.hpp"
#include "model/units.hpp"

namespace rehome::migrate::volume {
namespace {

TEST(VolumeRoom, FitsOrSaysWhatIsNeededWhere) {
  EXPECT_NO_THROW(
      require_room({.needed = 50 * model::MiB, .free = 50 * model::MiB}, "copy", "unix:///e.sock"));
  EXPECT_NO_THROW(require_room({.needed = 0, .free = 0}, "copy", "unix:///e.sock"));
  try {
    require_room({.needed = 48 * model::MiB, .free = 20 * model::MiB}, "/srv/app", "unix:///e.sock");
    FAIL() << "no error";
  } catch (const UserError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("/srv/app"), std::string::npos) << what;
    EXPECT_NE(what.find("unix:///e.sock"), std::string::npos) << what;
    EXPECT_NE(what.find(model::format_bytes(48 * model::MiB)), std::string::npos) << what;
    EXPECT_NE(what.find(model::format_bytes(28 * model::MiB) + " more needed"), std::string::npos) << what;
    EXPECT_NE(what.find("nothing was copied"), std::string::npos) << what;
  }
}

TEST(VolumeRoom, SparseFilesThatFitOnlySparseGoByTheStream) {
  Room room{.needed = 10 * model::MiB, .free = 64 * model::MiB, .dense = 512 * model::MiB};
  EXPECT_EQ(fit_transport(room, Transport::archive, Transport::automatic), Transport::stream);
  EXPECT_EQ(room.needed, 10 * model::MiB);
  EXPECT_EQ(fit_transport(room, Transport::stream, Transport::automatic), Transport::stream);
  // --transport archive asked for: the archive's need is the full sizes, and it does not fit.
  EXPECT_EQ(fit_transport(room, Transport::archive, Transport::archive), Transport::archive);
  EXPECT_EQ(room.needed, 512 * model::MiB);
  EXPECT_THROW(require_room(room, "copy", "unix:///e.sock"), UserError);
}

}  // namespace
}  // namespace rehome::migrate::volume
