#pragma once
// The copy step: a sending helper on the source engine, a receiving helper on the target engine,
// rehome relaying the wire records between their attached streams (renames and deletes first).
#include <cstdint>
#include <functional>
#include <string>

#include "migrate/volume/helper_image.hpp"
#include "migrate/volume/volume_plan.hpp"

namespace rehome::migrate::volume {

struct Side {
  const import::DockerApi* api = nullptr;
  std::string image;
  Mount mount;
};

struct CopyOutcome {
  int64_t files = 0, bytes = 0;  // as the receiving helper counted what it wrote
  std::string warnings;          // both helpers' stderr (a file that vanished while being sent, ...)
};

CopyOutcome stream_copy(const Side& source, const Side& target, const CopyPlan& plan,
                        const std::function<void(int64_t relayed)>& on_bytes);

}  // namespace rehome::migrate::volume
