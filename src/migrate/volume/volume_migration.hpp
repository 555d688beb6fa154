#pragma once
// `rehome migrate volume`: copy a Docker named volume (or a bind folder) from one engine to another
// through the engines themselves, with no agent installed on the servers.
//
// Design (measured and argued in docs/migrate.md, "Volumes"):
//  - rehome carries a small static program, rehome-volume-helper (helper/volume_helper_main.cpp),
//    inside its own binary. It imports it into each engine as a one-file image
//    (POST /images/create?fromSrc=-, a tar rehome writes; no registry) and runs one helper container
//    per side for the pass (helper_session.hpp: no network, the source mounted read-only), whose
//    stdin/stdout rehome attaches through the Engine API and sends commands to.
//  - Data goes by one of two transports (volume_copy.hpp): the helpers' streams (every property kept
//    by the helpers; slow through the attach path), or, when a pass sends most of the volume, the
//    engines' own GET/PUT /containers/{id}/archive followed by a helper stream that restores what
//    their tar loses (sub-second mtimes, xattrs, holes) and applies deletes.
//  - Each pass: scan both sides (a stat walk; sha256 from the manifest cached in the state file),
//    hash only the files that may be unchanged or renamed (volume_plan.hpp: hash_requests), plan
//    (changed, metadata only, new, renamed, deleted), copy (each side hashing what it reads or
//    writes), then scan both sides again (a file whose stat changed since it was hashed is read
//    again there; a stream pass with no writer running re-reads only the paths it touched,
//    volume_touched.hpp) and compare the manifests entry by entry: the proof.
//  - Resume and binding: files are written under a temporary name and renamed when complete with
//    their metadata, so a killed pass leaves finished files that the next pass finds identical by
//    their hashes (not recopied) and partial ones that it deletes. The state file (caches, run id) is
//    bound to the target by a keeper container on the target engine (created, never started,
//    labelled with the run id, the volume mounted so it cannot be removed by accident) - outside the
//    data path, so the volume holds exactly the source's files. A state file whose keeper is missing
//    is stale: rehome says so and starts over.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engines/docker_stream.hpp"
#include "migrate/progress.hpp"
#include "migrate/volume/volume_entry.hpp"

namespace rehome::migrate::volume {

struct Endpoint {
  std::string engine;  // unix:///path/docker.sock or ssh://[user@]host[:port][/path/docker.sock]
  std::string volume;  // a named volume, or
  std::string path;    // a bind folder on the engine's host
  std::string label() const { return volume.empty() ? path : volume; }
};

struct VolumeMigrationOptions {
  Endpoint from, to;
  std::filesystem::path work_dir = "rehome-work";  // the folder of the state file
  std::filesystem::path state_file;                // empty: <work_dir>/volume-<target>-<hash>.state.json
  bool rehash = false;                             // ignore the cached hashes: read every file on both sides
  std::string transport = "auto";                  // auto, archive (the engines' tar, then fix-ups) or stream
  // How long a stream to either engine may move nothing before the pass stops, naming the engine.
  std::chrono::seconds idle_timeout = engines::kDefaultStreamIdle;
  std::function<void(const Progress&)> on_progress;
  std::function<void(const std::string&)> on_step;
};

struct Mismatch {
  std::string path;
  std::string what;  // "missing on the target", "extra on the target", "sha256, mode 0644 != 0600"
};

struct ManifestSummary {
  int64_t entries = 0, files = 0, bytes = 0;   // files and bytes: regular files
  int64_t hashed_files = 0, hashed_bytes = 0;  // read this pass (the rest came from the cache)
};

struct Writer {
  std::string side;  // "source" or "target"
  std::string container;
};

struct VolumeMigrationReport {
  Endpoint from, to;
  std::filesystem::path state_file;
  std::string run_id;
  int pass = 1;
  bool resumed = false;                    // the previous pass did not finish
  std::string stale_message;               // non-empty: the state file was stale and was discarded
  std::vector<Writer> writers;             // containers using either side while it was copied
  int64_t sent_files = 0, sent_bytes = 0;  // the changed-bytes figure (data, holes not counted)
  int64_t renamed = 0, deleted = 0, other_entries = 0;
  std::string transport;      // "stream" or "archive" (volume_copy.hpp)
  int64_t archive_bytes = 0;  // the tar the engines exchanged (archive transport)
  ManifestSummary source, target;
  std::vector<Mismatch> mismatches;
  // "full": both sides scanned again after the copy; "touched": only the paths the pass touched
  // stat'ed again on the target (a stream pass with no writer running and no helper warning).
  std::string verify_scope;
  double scan_seconds = 0, copy_seconds = 0, verify_seconds = 0, seconds = 0;
  bool verified() const { return mismatches.empty(); }
};

VolumeMigrationReport migrate_volume(const VolumeMigrationOptions& options);

// Evidence: the report as `rehome migrate volume --json` prints it and `rehome report` reads it back.
// Paths are bytes: dump it with json::error_handler_t::replace.
inline constexpr const char* kVolumeMigrationKind = "rehome.migration.volume";
inline constexpr int kVolumeMigrationFormat = 1;
nlohmann::json to_json(const VolumeMigrationReport& report);
VolumeMigrationReport volume_migration_from_json(const nlohmann::json& j);

// Pure: every difference between the source's and the target's manifest, by path.
std::vector<Mismatch> compare_manifests(const std::vector<Entry>& source, const std::vector<Entry>& target);
ManifestSummary summarize(const std::vector<Entry>& manifest);

}  // namespace rehome::migrate::volume
