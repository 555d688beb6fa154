#include "migrate/volume/volume_state.hpp"

#include <future>
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

void save_volume_manifests(const std::filesystem::path& path, const VolumeState& s) {
  // Plain text, no JSON escaping of megabytes of tabs on every save; the two written at once (their
  // fsyncs share the file system's journal commits).
  auto source = std::async(std::launch::async,
                           [&] { write_file_atomically(manifest_file(path, "source"), s.source_manifest); });
  std::exception_ptr failed;
  try {
    write_file_atomically(manifest_file(path, "target"), s.target_manifest);
  } catch (...) {
    failed = std::current_exception();
  }
  source.get();
  if (failed) std::rethrow_exception(failed);
}

void save_volume_record(const std::filesystem::path& path, const VolumeState& s) {
  nlohmann::json j = {{"kind", "rehome.volume-state"},
                      {"version", 2},
                      {"fingerprint", s.fingerprint},
                      {"run_id", s.run_id},
                      {"passes", s.passes},
                      {"complete", s.complete},
                      {"source_manifest_file", manifest_file(path, "source").filename().string()},
                      {"target_manifest_file", manifest_file(path, "target").filename().string()}};
  write_file_atomically(path, j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void save_volume_state(const std::filesystem::path& path, const VolumeState& s) {
  save_volume_manifests(path, s);  // first: the record names them
  save_volume_record(path, s);
}

}  // namespace rehome::migrate::volume
