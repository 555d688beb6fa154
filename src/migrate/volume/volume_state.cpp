#include "migrate/volume/volume_state.hpp"

#include <utility>

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
  if (j.value("version", 1) >= 2) {
    // The manifests beside the state, plain text (only a cache keyed by stat: a missing or older one
    // costs reads, never a wrong proof).
    for (auto [field, text] : {std::pair{"source_manifest_file", &s.source_manifest},
                               std::pair{"target_manifest_file", &s.target_manifest}}) {
      std::filesystem::path file = path.parent_path() / j.value(field, "");
      if (j.contains(field) && std::filesystem::exists(file)) *text = read_file(file);
    }
  } else {
    s.source_manifest = j.value("source_manifest", "");
    s.target_manifest = j.value("target_manifest", "");
  }
  return s;
}

std::filesystem::path manifest_file(const std::filesystem::path& state_file, const std::string& side) {
  return std::filesystem::path(state_file.string() + "." + side + ".manifest");
}

void save_volume_state(const std::filesystem::path& path, const VolumeState& s) {
  // The manifests first (the state's small JSON names them): plain text, no JSON escaping of
  // megabytes of tabs on every save.
  const auto source_file = manifest_file(path, "source"), target_file = manifest_file(path, "target");
  write_file_atomically(source_file, s.source_manifest);
  write_file_atomically(target_file, s.target_manifest);
  nlohmann::json j = {{"kind", "rehome.volume-state"},
                      {"version", 2},
                      {"fingerprint", s.fingerprint},
                      {"run_id", s.run_id},
                      {"passes", s.passes},
                      {"complete", s.complete},
                      {"source_manifest_file", source_file.filename().string()},
                      {"target_manifest_file", target_file.filename().string()}};
  write_file_atomically(path, j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace rehome::migrate::volume
