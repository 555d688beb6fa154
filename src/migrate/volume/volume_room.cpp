#include "migrate/volume/volume_room.hpp"

#include <algorithm>
#include <future>
#include <sstream>

#include "common/error.hpp"
#include "model/units.hpp"

namespace rehome::migrate::volume {
namespace {

// "FREE ALLOCATED" from the helper's `space` command.
std::pair<int64_t, int64_t> ask_space(const Side& side, const std::string& input, const std::string& what) {
  HelperRun run = side.helper->run("space", input);
  std::istringstream in(run.out);
  int64_t free = -1, allocated = -1;
  in >> free >> allocated;
  if (run.exit_code != 0 || free < 0 || allocated < 0)
    throw UserError("measuring the space of the " + what + " on " + side.helper->api().socket_path() +
                        " failed (exit " + std::to_string(run.exit_code) + "): " + run.err.substr(0, 600),
                    "check that the engine can mount the volume or folder, then run the same command again");
  return {free, allocated};
}

}  // namespace

Room measure_room(const Side& source, const Side& target, const CopyPlan& plan) {
  std::string list;
  for (const auto& e : plan.send)
    if (e.type == 'f' && (e.leader.empty() || e.leader == e.path)) list += format_entry(e) + "\n";
  auto target_space = std::async(std::launch::async, [&] { return ask_space(target, "", "target"); });
  Room room;
  room.dense = plan.send_bytes;
  room.needed = list.empty() ? 0 : ask_space(source, list, "source").second;
  room.free = target_space.get().first;
  return room;
}

Transport fit_transport(Room& room, Transport chosen, Transport wanted) {
  if (chosen != Transport::archive) return chosen;
  if (room.dense > room.free && wanted == Transport::automatic) return Transport::stream;
  room.needed = std::max(room.needed, room.dense);
  return chosen;
}

void require_room(const Room& room, const std::string& target_label, const std::string& target_engine) {
  if (room.needed <= room.free) return;
  throw UserError(
      "not enough space for " + target_label + " on the engine at " + target_engine + ": this pass copies " +
          model::format_bytes(room.needed) + ", and only " + model::format_bytes(room.free) +
          " is free there (" + model::format_bytes(room.needed - room.free) +
          " more needed); nothing was copied",
      "free at least " + model::format_bytes(room.needed - room.free) +
          " on the file system that holds it (the engine's data-root for a volume, the folder's disk for "
          "--to-path), then run the same command again");
}

void rethrow_if_disk_full(const std::exception& e, const Room& room, const std::string& target_label,
                          const std::string& target_engine) {
  std::string what = e.what();
  if (what.find("No space left on device") == std::string::npos &&
      what.find("no space left on device") == std::string::npos)
    return;
  throw UserError(
      what + "\n" + target_label + " on the engine at " + target_engine +
          " ran out of disk space: this pass copies " + model::format_bytes(room.needed) + ", and " +
          model::format_bytes(room.free) + " was free when it started (another writer took the rest)",
      "free at least " + model::format_bytes(room.needed) +
          " there, then run the same command again: finished files are kept and not copied again");
}

}  // namespace rehome::migrate::volume
