// The pass: engines and volumes checked, state bound to the target's keeper, both sides scanned,
// the plan streamed, both sides scanned again and compared (see volume_migration.hpp).
#include "migrate/volume/volume_migration.hpp"
#include "model/units.hpp"

#include <xxhash.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <map>
#include <random>

#include "common/error.hpp"
#include "migrate/resume_decision.hpp"
#include "migrate/test_hooks.hpp"
#include "migrate/volume/volume_copy.hpp"
#include "migrate/volume/volume_endpoint.hpp"
#include "migrate/volume/volume_plan.hpp"
#include "migrate/volume/volume_state.hpp"

namespace rehome::migrate::volume {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string hex64(const std::string& s) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(s.data(), s.size())));
  return buf;
}

// The files `wanted` as they are now on one side, hashed there.
std::vector<Entry> hash_on(const Side& side, const std::vector<Entry>& wanted, const std::string& what) {
  if (wanted.empty()) return {};
  std::string input;
  for (const auto& e : wanted) input += format_entry(e) + "\n";
  HelperRun run = side.helper->run("hash", input);
  if (run.exit_code > 1)
    throw UserError("hashing files of the " + what + " on " + side.helper->api().socket_path() +
                        " failed (exit " + std::to_string(run.exit_code) + "): " + run.err.substr(0, 600),
                    "check that the volume or folder exists and the engine can mount it");
  return parse_manifest(run.out);
}

// A scan on one side: a stat walk there, sha256 from the cache here (nothing large crosses the
// attached stream but the walk's manifest), and with `hash` the files the cache lacks hashed there.
std::vector<Entry> scan(const Side& side, const std::string& cache, bool hash, const std::string& what) {
  HelperRun run = side.helper->run("scan nohash", {});
  if (run.exit_code > 1 || run.out.empty())
    throw UserError("scanning the " + what + " on " + side.helper->api().socket_path() + " failed (exit " +
                        std::to_string(run.exit_code) + "): " + run.err.substr(0, 600),
                    "check that the volume or folder exists and the engine can mount it");
  std::vector<Entry> manifest = parse_manifest(run.out);
  std::vector<Entry> misses = apply_cache(manifest, cache);
  if (hash && !misses.empty()) fill_hashes(manifest, hash_on(side, misses, what));
  return manifest;
}

std::string manifest_text(const std::vector<Entry>& manifest) {
  std::string out;
  for (const auto& e : manifest) out += format_entry(e) + "\n";
  return out;
}

// The manifest's summary, with the files hashed during this pass (not found with their sha256 in the
// cache the pass started from) counted.
ManifestSummary summary_against(const std::vector<Entry>& manifest, const std::string& old_cache) {
  ManifestSummary summary = summarize(manifest);
  std::map<std::string, Entry> cached;
  try {
    for (auto& e : parse_manifest(old_cache)) cached[e.path] = std::move(e);
  } catch (const std::exception&) {
  }
  for (const auto& e : manifest) {
    if (e.type != 'f' || (!e.leader.empty() && e.leader != e.path)) continue;
    auto it = cached.find(e.path);
    bool hit = it != cached.end() && !it->second.sha256.empty() && it->second.size == e.size &&
               it->second.mtime_ns == e.mtime_ns && it->second.ctime_ns == e.ctime_ns &&
               it->second.ino == e.ino;
    if (!hit) {
      ++summary.hashed_files;
      summary.hashed_bytes += static_cast<int64_t>(e.size);
    }
  }
  return summary;
}

Transport parse_transport(const std::string& name) {
  if (name.empty() || name == "auto") return Transport::automatic;
  if (name == "archive") return Transport::archive;
  if (name == "stream") return Transport::stream;
  throw UserError("--transport " + name + ": not a transport", "pass --transport auto, archive or stream");
}

}  // namespace

VolumeMigrationReport migrate_volume(const VolumeMigrationOptions& options) {
  const auto started = Clock::now();
  auto step = [&](const std::string& line) {
    if (options.on_step) options.on_step(line);
  };
  VolumeMigrationReport report{.from = options.from, .to = options.to};
  if (options.from.label().empty()) throw UserError("no source volume or --from-path given");
  if (options.to.label().empty()) throw UserError("no target volume or --to-path given");
  engines::DockerApi src_api(engine_socket(options.from.engine, "--from-engine"));
  engines::DockerApi dst_api(engine_socket(options.to.engine, "--to-engine"));
  if (src_api.socket_path() == dst_api.socket_path() && options.from.label() == options.to.label())
    throw UserError("the source and the target are the same volume on the same engine",
                    "name another target with --to-volume or another --to-engine");

  const std::string print =
      options.from.engine + "|" + options.from.label() + "|" + options.to.engine + "|" + options.to.label();
  std::string safe;
  for (char c : options.to.label()) safe += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  report.state_file =
      options.state_file.empty()
          ? options.work_dir / ("volume-" + safe + "-" + hex64(print).substr(0, 8) + ".state.json")
          : options.state_file;
  if (!report.state_file.parent_path().empty())
    std::filesystem::create_directories(report.state_file.parent_path());

  nlohmann::json labels = source_volume(src_api, options.from);
  ensure_target_volume(dst_api, options.to, labels);
  remove_stale_helpers(src_api);
  remove_stale_helpers(dst_api);
  const std::string src_image = ensure_helper_image(src_api), dst_image = ensure_helper_image(dst_api);
  for (const auto& name : running_users(src_api, options.from)) report.writers.push_back({"source", name});
  for (const auto& name : running_users(dst_api, options.to)) report.writers.push_back({"target", name});

  // The state file counts only when the target still carries its run id.
  VolumeState state;
  if (auto loaded = load_volume_state(report.state_file)) {
    if (loaded->fingerprint != print)
      throw UserError("the state file " + report.state_file.string() + " belongs to another volume migration",
                      "give this migration its own --state file");
    // The shared rule (migrate/resume_decision.hpp); a volume pass is a sync, so a stale state always
    // starts over (the target's files are compared, never trusted).
    const ResumeDecision d = decide_resume(
        {.present = true, .run_id = loaded->run_id, .target_written = true, .verified = loaded->complete},
        {.run_id = keeper_run_id(dst_api, options.to), .finished = false}, "", true, false);
    if (d.action == ResumeAction::resume || d.action == ResumeAction::complete) {
      state = *loaded;
      report.resumed = !loaded->complete && loaded->passes >= 0 && !loaded->target_manifest.empty();
    } else {
      report.stale_message = "the state file " + report.state_file.string() + " is stale: " + d.why +
                             " (the keeper container " + keeper_name(options.to) + "): starting over";
      step(report.stale_message);
    }
  }
  if (state.run_id.empty()) {
    state.fingerprint = print;
    state.run_id = new_run_id();
    make_keeper(dst_api, dst_image, options.to, state.run_id);
  }
  if (options.rehash) state.source_manifest.clear(), state.target_manifest.clear();
  report.run_id = state.run_id;
  report.pass = state.passes + 1;

  // One helper per side for the whole pass, both started at once.
  auto target_helper = std::async(std::launch::async, [&] {
    return std::make_unique<HelperSession>(dst_api, dst_image, mount_of(options.to, false));
  });
  std::unique_ptr<HelperSession> source_helper, target_helper_owned;
  try {
    source_helper = std::make_unique<HelperSession>(src_api, src_image, mount_of(options.from, true));
  } catch (...) {
    try {
      target_helper.get();
    } catch (const std::exception&) {
    }
    throw;
  }
  target_helper_owned = target_helper.get();
  Side source{source_helper.get()}, target{target_helper_owned.get()};

  // Scan both sides: stat walks, hashes from the caches only.
  const Transport wanted_transport = parse_transport(options.transport);
  const std::string old_source_cache = state.source_manifest, old_target_cache = state.target_manifest;
  auto t = Clock::now();
  step("scanning the source " + options.from.label() + " and the target " + options.to.label());
  auto target_scan =
      std::async(std::launch::async, [&] { return scan(target, state.target_manifest, false, "target"); });
  std::vector<Entry> src = scan(source, state.source_manifest, false, "source");
  std::vector<Entry> dst = target_scan.get();
  // The few files whose content may be the same on both sides but whose hash a side lacks.
  HashRequests asked = hash_requests(src, dst);
  if (!asked.empty()) {
    step("hashing " + std::to_string(asked.source.size() + asked.target.size()) +
         " file(s) that may already be on the target");
    auto target_hash =
        std::async(std::launch::async, [&] { return hash_on(target, asked.target, "target"); });
    fill_hashes(src, hash_on(source, asked.source, "source"));
    fill_hashes(dst, target_hash.get());
  }
  pause_point("volume", "scanned-source");
  state.source_manifest = manifest_text(src);
  state.target_manifest = manifest_text(dst);
  state.complete = false;
  save_volume_state(report.state_file, state);
  report.scan_seconds = since(t);

  // Copy what differs.
  CopyPlan plan = plan_copy(src, dst);
  report.renamed = static_cast<int64_t>(plan.renames.size());
  report.deleted = static_cast<int64_t>(plan.deletes.size());
  Transport transport = choose_transport(wanted_transport, plan, summarize(src).bytes);
  t = Clock::now();
  step("copying " + std::to_string(plan.send_files) + " changed file(s), " +
       model::format_bytes(plan.send_bytes) + ", " + std::to_string(plan.renames.size()) + " rename(s), " +
       std::to_string(plan.deletes.size()) + " delete(s)" +
       (transport == Transport::archive ? ", through the engines' archive endpoints" : ""));
  auto last = Clock::now();
  CopyOutcome copied = copy_plan(source, target, plan, src, transport, [&](int64_t relayed) {
    if (!options.on_progress || Clock::now() - last < std::chrono::milliseconds(500)) return;
    last = Clock::now();
    options.on_progress(
        Progress{.phase = "copy", .done = relayed, .total = plan.send_bytes, .elapsed_seconds = since(t)});
  });
  report.transport = copied.transport;
  report.archive_bytes = copied.archive_bytes;
  report.sent_files = copied.files;
  report.sent_bytes = copied.bytes;
  report.other_entries = static_cast<int64_t>(plan.send.size() + plan.meta.size()) - plan.send_files;
  report.copy_seconds = since(t);
  if (!copied.warnings.empty()) step("helpers said: " + copied.warnings.substr(0, 2000));
  // What each side hashed while it read or wrote: the caches of the proof's scans (later lines win).
  state.source_manifest += copied.source_hashes;
  state.target_manifest += copied.target_hashes;
  save_volume_state(report.state_file, state);

  // The proof: both sides scanned again, in place (a file not hashed during this pass, or changed
  // since, is read there), and compared.
  pause_point("volume", "copied");
  t = Clock::now();
  step("verifying: manifests of both sides");
  const std::string source_cache = options.rehash ? std::string() : state.source_manifest;
  const std::string target_cache = options.rehash ? std::string() : state.target_manifest;
  auto target_rescan =
      std::async(std::launch::async, [&] { return scan(target, target_cache, true, "target"); });
  src = scan(source, source_cache, true, "source");
  dst = target_rescan.get();
  report.mismatches = compare_manifests(src, dst);
  report.source = summary_against(src, old_source_cache);
  report.target = summary_against(dst, old_target_cache);
  report.verify_seconds = since(t);
  state.source_manifest = manifest_text(src);
  state.target_manifest = manifest_text(dst);
  state.passes += 1;
  state.complete = report.verified();
  save_volume_state(report.state_file, state);
  auto target_end = std::async(std::launch::async, [&] { target_helper_owned.reset(); });
  source_helper.reset();
  target_end.get();
  report.seconds = since(started);
  return report;
}

}  // namespace rehome::migrate::volume
