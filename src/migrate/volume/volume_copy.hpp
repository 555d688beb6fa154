#pragma once
// The copy step, by one of two transports:
//  - stream: a sending helper on the source engine, a receiving helper on the target engine, rehome
//    relaying the wire records between their attached streams (renames and deletes first). Each side
//    hashes the files as it reads or writes them, so the proof costs no second read.
//  - archive: the engines' own tar endpoints (GET /containers/{id}/archive on the source, relayed as
//    it arrives into PUT /containers/{id}/archive on the target; dockerd reads and writes the files
//    itself, two to three times faster than the attached streams), while a source helper hashes the
//    files beside it; then a stream pass puts back what the engines' tar loses (sub-second mtimes,
//    xattrs, holes: sparse files are sent again with theirs) and applies the deletes. Only for a pass
//    that sends most of the volume: the archive always carries the whole volume.
#include <cstdint>
#include <functional>
#include <string>

#include "migrate/volume/helper_session.hpp"
#include "migrate/volume/volume_plan.hpp"

namespace rehome::migrate::volume {

struct Side {
  HelperSession* helper = nullptr;  // the pass's helper on that engine, the volume mounted
};

enum class Transport { automatic, archive, stream };

struct CopyOutcome {
  std::string transport;         // "stream" or "archive"
  int64_t files = 0, bytes = 0;  // the changed files and their data bytes (stream: as written)
  int64_t archive_bytes = 0;     // the tar the engines exchanged (archive only)
  std::string source_hashes;     // manifest lines with the sha256 of what the source sent
  std::string target_hashes;     // manifest lines with the sha256 of what the target wrote
  std::string warnings;          // both helpers' stderr (a file that vanished while being sent, ...)
};

// Pure: the transport `automatic` picks for a plan against a source of `source_bytes` (regular files).
Transport choose_transport(Transport wanted, const CopyPlan& plan, int64_t source_bytes);

// Pure: how the archive transport splits the source into paths fetched and written as separate
// archives by `streams` relays at once (largest first). A folder holding more than a stream's share
// is split into its children; `folders` are those split folders, made on the target before.
struct ArchiveUnits {
  std::vector<std::string> units, folders;
};
ArchiveUnits archive_units(const std::vector<Entry>& manifest, int streams);

// `source_manifest`: the whole source as scanned (the archive carries all of it).
CopyOutcome copy_plan(const Side& source, const Side& target, const CopyPlan& plan,
                      const std::vector<Entry>& source_manifest, Transport transport,
                      const std::function<void(int64_t relayed)>& on_bytes);

}  // namespace rehome::migrate::volume
