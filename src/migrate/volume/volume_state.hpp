#pragma once
// The volume mover's state file: the run id the target's keeper carries, the passes so far, and the
// last manifests of both sides (their hashes are the cache that keeps a pass proportional to the
// change). Written with temp+rename after each scan and at the end of each pass: a small JSON file
// (version 2) and the two manifests beside it as plain text, <state>.source.manifest and
// <state>.target.manifest (version 1 held them inside the JSON; still read).
#include <filesystem>
#include <optional>
#include <string>

namespace rehome::migrate::volume {

struct VolumeState {
  std::string fingerprint;  // source engine + volume -> target engine + volume
  std::string run_id;
  int passes = 0;         // finished passes
  bool complete = false;  // the last pass finished and was verified
  std::string source_manifest, target_manifest;
};

std::optional<VolumeState> load_volume_state(const std::filesystem::path& path);  // nullopt: no file
void save_volume_state(const std::filesystem::path& path, const VolumeState& state);
// The two halves of save_volume_state, for a pass that writes the manifests while it still works out
// the state's other fields: the manifests first, then the record that names them.
void save_volume_manifests(const std::filesystem::path& path, const VolumeState& state);
void save_volume_record(const std::filesystem::path& path, const VolumeState& state);
std::filesystem::path manifest_file(const std::filesystem::path& state_file, const std::string& side);

}  // namespace rehome::migrate::volume
