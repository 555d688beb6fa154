// The pass: engines and volumes checked, state bound to the target's keeper, both sides scanned,
// the plan streamed, both sides scanned again and compared (see volume_migration.hpp).
#include "migrate/volume/volume_migration.hpp"
#include "model/units.hpp"

#include <xxhash.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <map>
#include <random>

#include "common/error.hpp"
#include "common/run_id.hpp"
#include "migrate/resume_decision.hpp"
#include "migrate/test_hooks.hpp"
#include "migrate/volume/volume_copy.hpp"
#include "migrate/volume/volume_endpoint.hpp"
#include "migrate/volume/volume_plan.hpp"
#include "migrate/volume/volume_room.hpp"
#include "migrate/volume/volume_state.hpp"
#include "migrate/volume/volume_touched.hpp"

namespace rehome::migrate::volume {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// REHOME_VOLUME_PROFILE=1: each step's wall-clock time on stderr (where a pass spends its time).
void profile(const char* what) {
  static const bool on = std::getenv("REHOME_VOLUME_PROFILE") != nullptr;
  static auto last = Clock::now();
  if (!on) return;
  std::fprintf(stderr, "profile %7.3f s  %s\n", since(last), what);
  last = Clock::now();
}

std::string hex64(const std::string& s) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(s.data(), s.size())));
  return buf;
}

// A helper command on one side whose answer is manifest lines; `doing` names it in the error.
std::vector<Entry> manifest_of(const Side& side, const std::string& command, const std::string& input,
                               const std::string& doing) {
  HelperRun run = side.helper->run(command, input);
  if (run.exit_code > 1 || (command == "scan nohash" && run.out.empty()))
    throw UserError(doing + " on " + side.helper->api().socket_path() + " failed (exit " +
                        std::to_string(run.exit_code) + "): " + run.err.substr(0, 600),
                    "check that the volume or folder exists and the engine can mount it");
  return parse_manifest(run.out);
}

// The files `wanted` as they are now on one side, hashed there.
std::vector<Entry> hash_on(const Side& side, const std::vector<Entry>& wanted, const std::string& what) {
  if (wanted.empty()) return {};
  std::string input;
  for (const auto& e : wanted) input += format_entry(e) + "\n";
  return manifest_of(side, "hash", input, "hashing files of the " + what);
}

// A scan on one side: a stat walk there, sha256 from the cache here (nothing large crosses the
// attached stream but the walk's manifest), and with `hash` the files the cache lacks hashed there.
std::vector<Entry> scan(const Side& side, const std::shared_future<ManifestCache>& cache, bool hash,
                        const std::string& what) {
  std::vector<Entry> manifest = manifest_of(side, "scan nohash", {}, "scanning the " + what);
  std::vector<Entry> misses = apply_cache(manifest, cache.get());  // parsed meanwhile
  if (hash && !misses.empty()) fill_hashes(manifest, hash_on(side, misses, what));
  return manifest;
}

// The listed paths of one side as they are now (stat only, no reads).
std::vector<Entry> stat_on(const Side& side, const std::vector<std::string>& paths, const std::string& what) {
  std::string input;
  for (const auto& p : paths) input += escape_field(p) + "\n";
  return manifest_of(side, "stat", input, "reading the " + what + "'s metadata");
}

// The files of `manifest` still without a sha256 after `cache`, hashed on their side.
// `missing_only`: a file that has its sha256 keeps it (the proof of a pass that touched only a few).
void complete_hashes(const Side& side, std::vector<Entry>& manifest, const ManifestCache& cache,
                     const std::string& what, bool missing_only = false) {
  std::vector<Entry> misses =
      missing_only ? apply_cache_to_missing(manifest, cache) : apply_cache(manifest, cache);
  if (std::getenv("REHOME_VOLUME_PROFILE"))
    std::fprintf(stderr, "profile: %zu file(s) of the %s hashed again for the proof\n", misses.size(),
                 what.c_str());
  if (!misses.empty()) fill_hashes(manifest, hash_on(side, misses, what));
}

std::string manifest_text(const std::vector<Entry>& manifest) {
  std::string out;
  out.reserve(manifest.size() * 160);
  for (const auto& e : manifest) {
    out += format_entry(e);
    out += '\n';
  }
  return out;
}

// The manifest's summary, with the files hashed during this pass (not found with their sha256 in the
// cache the pass started from) counted.
ManifestSummary summary_against(const std::vector<Entry>& manifest, const ManifestCache& cached) {
  ManifestSummary summary = summarize(manifest);
  for (const auto& e : manifest) {
    if (e.type != 'f' || (!e.leader.empty() && e.leader != e.path)) continue;
    auto it = cached.find(e.path);
    if (it == cached.end() || !cache_hit(it->second, e)) {
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
  profile("start");
  auto step = [&](const std::string& line) {
    if (options.on_step) options.on_step(line);
  };
  VolumeMigrationReport report{.from = options.from, .to = options.to};
  if (options.from.label().empty()) throw UserError("no source volume or --from-path given");
  if (options.to.label().empty()) throw UserError("no target volume or --to-path given");
  EngineSocket src_socket = open_engine(options.from.engine, "--from-engine");
  EngineSocket dst_socket = open_engine(options.to.engine, "--to-engine");
  engines::DockerApi src_api(src_socket.path);
  engines::DockerApi dst_api(dst_socket.path);
  if ((src_api.socket_path() == dst_api.socket_path() || options.from.engine == options.to.engine) &&
      options.from.label() == options.to.label())
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
  // One helper per side for the whole pass, both started at once, while the state is read.
  auto source_start = std::async(std::launch::async, [&] {
    return std::make_unique<HelperSession>(src_api, src_image, mount_of(options.from, true),
                                           options.idle_timeout);
  });
  auto target_start = std::async(std::launch::async, [&] {
    return std::make_unique<HelperSession>(dst_api, dst_image, mount_of(options.to, false),
                                           options.idle_timeout);
  });
  std::unique_ptr<HelperSession> source_helper, target_helper_owned;
  auto join_helpers = [&] {  // both, even when one failed, so a started one is removed
    std::exception_ptr failed;
    try {
      source_helper = source_start.get();
    } catch (...) {
      failed = std::current_exception();
    }
    try {
      target_helper_owned = target_start.get();
    } catch (...) {
      if (!failed) failed = std::current_exception();
    }
    return failed;
  };
  VolumeState state;
  try {
    for (const auto& name : running_users(src_api, options.from)) report.writers.push_back({"source", name});
    for (const auto& name : running_users(dst_api, options.to)) report.writers.push_back({"target", name});
    // The state file counts only when the target still carries its run id.
    if (auto loaded = load_volume_state(report.state_file)) {
      if (loaded->fingerprint != print)
        throw UserError(
            "the state file " + report.state_file.string() + " belongs to another volume migration",
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
    profile("state loaded, keeper");
  } catch (...) {
    join_helpers();
    throw;
  }
  if (std::exception_ptr failed = join_helpers()) std::rethrow_exception(failed);
  profile("helpers started");
  Side source{source_helper.get()}, target{target_helper_owned.get()};

  // Scan both sides: stat walks, hashes from the caches only.
  const Transport wanted_transport = parse_transport(options.transport);
  // The caches the pass starts from, parsed once (each side's while the other's scan runs).
  auto parse_cache = [](const std::string& text) {
    return std::async(std::launch::async,
                      [&text] {
                        ManifestCache cache;
                        add_to_cache(cache, text);
                        return cache;
                      })
        .share();
  };
  std::shared_future<ManifestCache> old_source_cache = parse_cache(state.source_manifest),
                                    old_target_cache = parse_cache(state.target_manifest);
  auto t = Clock::now();
  step("scanning the source " + options.from.label() + " and the target " + options.to.label());
  auto target_scan =
      std::async(std::launch::async, [&] { return scan(target, old_target_cache, false, "target"); });
  std::vector<Entry> src = scan(source, old_source_cache, false, "source");
  std::vector<Entry> dst = target_scan.get();
  profile("scan both sides");
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
  profile("hash requests");
  report.scan_seconds = since(t);
  // The scans' state is written while the copy is planned (both only read src and dst), and is on disk
  // before the copy writes anything.
  state.complete = false;
  auto scanned_saved = std::async(std::launch::async, [&] {
    state.source_manifest = manifest_text(src);
    state.target_manifest = manifest_text(dst);
    save_volume_state(report.state_file, state);
  });

  // Copy what differs.
  CopyPlan plan = plan_copy(src, dst);
  report.renamed = static_cast<int64_t>(plan.renames.size());
  report.deleted = static_cast<int64_t>(plan.deletes.size());
  Transport transport = choose_transport(wanted_transport, plan, summarize(src).bytes);
  Room room = measure_room(source, target, plan);
  transport = fit_transport(room, transport, wanted_transport);
  require_room(room, options.to.label(), target.helper->api().socket_path());
  profile("plan");
  scanned_saved.get();
  profile("state saved");
  t = Clock::now();
  step("copying " + std::to_string(plan.send_files) + " changed file(s), " +
       model::format_bytes(plan.send_bytes) + ", " + std::to_string(plan.renames.size()) + " rename(s), " +
       std::to_string(plan.deletes.size()) + " delete(s)" +
       (transport == Transport::archive ? ", through the engines' archive endpoints" : ""));
  auto last = Clock::now();
  CopyOutcome copied;
  try {
    copied = copy_plan(source, target, plan, src, transport, [&](int64_t relayed) {
      if (!options.on_progress || Clock::now() - last < std::chrono::milliseconds(500)) return;
      last = Clock::now();
      options.on_progress(
          Progress{.phase = "copy", .done = relayed, .total = plan.send_bytes, .elapsed_seconds = since(t)});
    });
  } catch (const UserError& e) {
    rethrow_if_disk_full(e, room, options.to.label(), target.helper->api().socket_path());
    throw;
  }
  report.transport = copied.transport;
  report.archive_bytes = copied.archive_bytes;
  report.sent_files = copied.files;
  report.sent_bytes = copied.bytes;
  report.other_entries = static_cast<int64_t>(plan.send.size() + plan.meta.size()) - plan.send_files;
  report.copy_seconds = since(t);
  profile("copy");
  if (!copied.warnings.empty()) step("helpers said: " + copied.warnings.substr(0, 2000));
  // What each side hashed while it read or wrote: the caches of the proof's scans (later lines win).
  state.source_manifest += copied.source_hashes;
  state.target_manifest += copied.target_hashes;
  save_volume_state(report.state_file, state);
  profile("state saved");

  // The proof: both sides scanned again, in place (a file not hashed during this pass, or changed
  // since, is read there), and compared.
  pause_point("volume", "copied");
  t = Clock::now();
  step("verifying: manifests of both sides");
  // A pass that wrote part of the target, with no writer on either side and no helper warning,
  // re-reads only what it touched (volume_touched.hpp); otherwise both sides are scanned again.
  const bool touched_only =
      copied.transport == "stream" && report.writers.empty() && !options.rehash && copied.warnings.empty();
  report.verify_scope = touched_only ? "touched" : "full";
  // Their caches: what each side hashed while it read or wrote, and for a full rescan the scans'
  // manifests too (a touched-only proof keeps the scans' hashes where it keeps their entries).
  auto verify_cache = [&](const std::vector<Entry>& scanned, const std::string& hashed) {
    std::promise<ManifestCache> made;
    ManifestCache cache;
    if (!options.rehash) {
      if (!touched_only) add_to_cache(cache, scanned);
      add_to_cache(cache, hashed);
    }
    made.set_value(std::move(cache));
    return made.get_future().share();
  };
  std::shared_future<ManifestCache> source_cache = verify_cache(src, copied.source_hashes);
  std::shared_future<ManifestCache> target_cache = verify_cache(dst, copied.target_hashes);
  if (touched_only) {
    std::vector<std::string> touched = touched_paths(plan);
    auto target_after_pass = std::async(std::launch::async, [&] {
      std::vector<Entry> after = target_after(dst, plan, touched, stat_on(target, touched, "target"));
      complete_hashes(target, after, target_cache.get(), "target", true);
      return after;
    });
    complete_hashes(source, src, source_cache.get(), "source", true);
    dst = target_after_pass.get();
  } else {
    auto target_rescan =
        std::async(std::launch::async, [&] { return scan(target, target_cache, true, "target"); });
    src = scan(source, source_cache, true, "source");
    dst = target_rescan.get();
  }
  profile("verify scans");
  // The helpers are done: they end (stdin closed, containers removed) while the proof is compared.
  auto helpers_end = std::async(std::launch::async, [&] {
    auto target_end = std::async(std::launch::async, [&] { target_helper_owned.reset(); });
    source_helper.reset();
    target_end.get();
  });
  // The manifests are written while they are compared; the record naming them after.
  auto manifests_saved = std::async(std::launch::async, [&] {
    state.source_manifest = manifest_text(src);
    state.target_manifest = manifest_text(dst);
    save_volume_manifests(report.state_file, state);
  });
  report.mismatches = compare_manifests(src, dst);
  report.source = summary_against(src, old_source_cache.get());
  report.target = summary_against(dst, old_target_cache.get());
  report.verify_seconds = since(t);
  profile("compare, summaries");
  manifests_saved.get();
  state.passes += 1;
  state.complete = report.verified();
  save_volume_record(report.state_file, state);
  profile("state saved");
  helpers_end.get();
  profile("helpers ended");
  report.seconds = since(started);
  return report;
}

}  // namespace rehome::migrate::volume
