#pragma once
// Before a pass writes anything: does what it sends fit where it goes? The source's helper says how many
// bytes the files to send take on its disk (holes not counted), the target's how many are free under the
// target's mount; a pass that cannot fit stops here, naming the target, its engine and both figures.
#include <cstdint>
#include <string>

#include "migrate/volume/volume_copy.hpp"
#include "migrate/volume/volume_plan.hpp"

namespace rehome::migrate::volume {

struct Room {
  int64_t needed = 0;  // bytes the files to send take on the source's disk
  int64_t free = 0;    // bytes free to a writer on the target's file system
  int64_t dense = 0;   // the files' full sizes: what the engines' archive endpoints write (holes as data)
};

// The two figures from the helpers (both sides at once).
Room measure_room(const Side& source, const Side& target, const CopyPlan& plan);

// The transport the room allows: the engines' archive writes holes as data, so a pass that fits only
// sparse goes by the helpers' stream when the transport was left to rehome (`wanted` automatic); with the
// archive, the need is the files' full sizes.
Transport fit_transport(Room& room, Transport chosen, Transport wanted);

// UserError naming `target_label` on its engine, the space needed and free, when it does not fit.
void require_room(const Room& room, const std::string& target_label, const std::string& target_engine);

// A copy the target's disk stopped ("No space left on device" in `e`): rethrown with the room measured
// before it (what the pass copies, what was free) and the target named; any other error is left alone.
void rethrow_if_disk_full(const std::exception& e, const Room& room, const std::string& target_label,
                          const std::string& target_engine);

}  // namespace rehome::migrate::volume
