#include "migrate/volume/volume_state.hpp"

#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"
#include "common/error.hpp"

namespace rehome::migrate::volume {

std::optional<VolumeState> load_volume_state(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) return std::nullopt;
  auto j = nlohmann::json::parse(read_file(path), nullptr, false);
  if (!j.is_object() || j.value("kind", "") != "rehome.volume-state")
    throw UserError("the state file " + path.string() + " is not a volume migration's state",
                    "give this migration its own --state file, or remove that file");
  VolumeState s;
  s.fingerprint = j.value("fingerprint", "");
  s.run_id = j.value("run_id", "");
  s.passes = j.value("passes", 0);
  s.complete = j.value("complete", false);
  s.source_manifest = j.value("source_manifest", "");
  s.target_manifest = j.value("target_manifest", "");
  return s;
}

void save_volume_state(const std::filesystem::path& path, const VolumeState& s) {
  nlohmann::json j = {{"kind", "rehome.volume-state"},
                      {"version", 1},
                      {"fingerprint", s.fingerprint},
                      {"run_id", s.run_id},
                      {"passes", s.passes},
                      {"complete", s.complete},
                      {"source_manifest", s.source_manifest},
                      {"target_manifest", s.target_manifest}};
  // Paths are bytes, not always UTF-8: the manifests are escaped text, so this never has to replace.
  write_file_atomically(path, j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace rehome::migrate::volume
