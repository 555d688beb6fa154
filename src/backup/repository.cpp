#include "backup/repository.hpp"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <map>

#include <fmt/format.h>

#include "backup/artefacts.hpp"
#include "backup/metrics.hpp"
#include "backup/store.hpp"
#include "backup/stream.hpp"
#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/secrets.hpp"
#include "engines/url.hpp"
#include "model/units.hpp"

namespace fs = std::filesystem;

namespace rehome::backup {
namespace {

// The service a source belongs to, for the restic tag.
std::string service_of(const Source& s) {
  if (!s.service.empty()) return s.service;
  if (s.kind == "volume" && !s.engine.empty()) return s.target;
  if (s.kind == "volume") return fs::path(s.target).lexically_normal().filename().string();
  auto url = engines::try_parse_url(s.target);
  return url ? url->host : std::string();
}

// The retention/verification group of a snapshot: its paths (one staging folder per source).
std::string group_of(const ResticSnapshot& s) {
  std::string g;
  for (const auto& p : s.paths) g += p + "\n";
  return s.hostname + "\n" + g;
}

std::vector<std::string> estate_tags(const std::string& estate) {
  std::vector<std::string> tags = {"rehome"};
  if (!estate.empty()) tags.push_back(snapshot_tags(estate, "", "")[1]);
  return tags;
}

// One streamed artefact's snapshots and failures, per repository.
void record_streamed(const Artefact& a, const StreamedDump& streamed, const std::string& service,
                     RepoRunResult& result, const Progress& progress) {
  for (const auto& [where, summary] : streamed.summaries) {
    progress(fmt::format("      {} {} streamed -> {} snapshot {} ({} new in the repository)", a.name,
                         model::format_bytes(a.size), where, summary.snapshot_id,
                         model::format_bytes(summary.data_added)));
    result.stored.push_back({where, service, a.kind, a, summary});
  }
  for (const auto& [where, why] : streamed.failures) {
    result.failures.push_back(why);
    progress(fmt::format("✗ {}", why));
  }
}

}  // namespace

std::optional<fs::path> find_manifest_folder(const fs::path& restored) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(restored, ec); it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file() && it->path().filename() == manifest_file) return it->path().parent_path();
  }
  return std::nullopt;
}

void store_artefact(const std::vector<Restic>& repos, const fs::path& root, const fs::path& file,
                    const Artefact& a, const Manifest& head, const std::vector<std::string>& tags,
                    const std::string& time, RepoRunResult& result, const Progress& progress) {
  std::error_code ec;
  fs::path folder = root / a.name;
  fs::remove_all(folder, ec);
  make_folder(folder, "staging folder");
  fs::rename(file, folder / a.name, ec);
  if (ec) {  // another file system (import-folder): copy
    ec.clear();
    fs::copy_file(file, folder / a.name, ec);
  }
  if (ec)
    throw UserError(fmt::format("cannot put {} into {}: {}", file.string(), folder.string(), ec.message()),
                    "check the staging folder's permissions and free space");
  Manifest m = head;
  m.artefacts = {a};
  write_file_atomically(folder / manifest_file, manifest_to_json(m));
  std::string service;
  for (const auto& t : tags)
    if (t.starts_with("service=")) service = t.substr(8);
  for (const auto& r : repos) {
    try {
      auto summary = r.backup(folder, tags, head.host, time);
      progress(fmt::format("      {} {} -> {} snapshot {} ({} new in the repository)", a.name,
                           model::format_bytes(a.size), r.where(), summary.snapshot_id,
                           model::format_bytes(summary.data_added)));
      result.stored.push_back({r.where(), service, a.kind, a, summary});
    } catch (const UserError& e) {
      result.failures.push_back(fmt::format("{} ({})", e.what(), e.hint()));
      progress(fmt::format("✗ {}", e.what()));
    }
  }
  fs::remove_all(folder, ec);  // the repositories hold it now; the path stays stable for the next run
}

RepoRunResult backup_to_repositories(const RepoRunOptions& o) {
  if (o.sources.empty())
    throw UserError("nothing to back up", "give an estate with databases, or --url / --volume");
  if (o.repositories.empty())
    throw UserError("no restic repository to back up to",
                    "give --repo, or declare backup.targets in the estate");
  RepoRunResult result;
  std::vector<Restic> repos;
  for (const auto& repo : o.repositories) {
    try {
      Restic r(repo);
      r.ensure_initialised();
      repos.push_back(std::move(r));
    } catch (const UserError& e) {
      result.failures.push_back(fmt::format("{} ({})", e.what(), e.hint()));
      o.progress(fmt::format("✗ {}", e.what()));
    }
  }
  if (repos.empty()) return result;

  fs::path root = o.staging / safe_name(o.estate.empty() ? "no-estate" : o.estate);
  fs::path incoming = root / ".incoming";
  std::error_code ec;
  fs::remove_all(incoming, ec);
  make_folder(incoming, "staging folder");
  auto sources = expand_sources(o.sources);
  int i = 0;
  for (const auto& s : sources) {
    ++i;
    std::string what = s.kind == "volume" ? s.target : mask_url(s.target);
    o.progress(fmt::format("[{}/{}] {} {} ...", i, sources.size(), s.kind, what));
    std::vector<Artefact> artefacts;
    try {
      if (s.kind == "postgres") {  // streamed: written once, into restic
        Manifest head;
        head.estate = o.estate;
        head.host = hostname();
        auto [a, streamed] =
            stream_postgres(s.target, repos, snapshot_tags(o.estate, service_of(s), "postgres"), head);
        record_streamed(a, streamed, service_of(s), result, o.progress);
        continue;
      }
      if (s.kind == "volume") {  // a plain tar stream with its per-file manifest
        Manifest head;
        head.estate = o.estate;
        head.host = hostname();
        auto v = stream_volume(s, repos, snapshot_tags(o.estate, service_of(s), "volume"), head);
        record_streamed(v.artefact, v.streamed, service_of(s), result, o.progress);
        continue;
      }
      if (s.kind == "mariadb") {  // streamed too, counts and checksums in the dump's snapshot
        Manifest head;
        head.estate = o.estate;
        head.host = hostname();
        auto m = stream_mariadb(s.target, repos, snapshot_tags(o.estate, service_of(s), "mariadb"), head);
        o.progress(fmt::format(
            "      writes waited {} ms for the dump's snapshot{}", m.lock_ms,
            m.artefact.binlog_position.empty() ? "" : " at binlog " + m.artefact.binlog_position));
        record_streamed(m.artefact, m.streamed, service_of(s), result, o.progress);
        continue;
      }
      artefacts = take_artefacts(s, incoming);
    } catch (const UserError& e) {
      result.failures.push_back(fmt::format("{} ({})", e.what(), e.hint()));
      o.progress(fmt::format("✗ {}", e.what()));
      continue;
    }
    for (auto& a : artefacts) {
      Manifest head;
      head.time = a.time;
      head.id = backup_id_for(a.time);
      head.estate = o.estate;
      head.host = hostname();
      store_artefact(repos, root, incoming / a.name, a, head, snapshot_tags(o.estate, service_of(s), a.kind),
                     {}, result, o.progress);
    }
  }
  fs::remove_all(incoming, ec);
  return result;
}

RepoVerifyResult verify_repository(const RepoVerifyOptions& o) {
  std::int64_t now = o.now ? o.now : static_cast<std::int64_t>(std::time(nullptr));
  RepoVerifyResult res;
  auto& r = res.details;
  Restic restic(o.repository);
  std::vector<ResticSnapshot> snaps;
  try {
    o.progress(
        fmt::format("restic check of {} (reading {}% of the data) ...", restic.where(), o.read_data_percent));
    res.check = restic.check(o.read_data_percent);
    for (const auto& e : res.check.errors)
      r.problems.push_back(fmt::format("{}: restic check: {}", restic.where(), e));
    if (res.check.ok) o.progress("  ✓ restic check: no errors");
    snaps = restic.snapshots(estate_tags(o.estate));
  } catch (const UserError& e) {
    r.problems.push_back(fmt::format("{} ({})", e.what(), e.hint()));
  }

  // Newest snapshot of each source.
  std::map<std::string, std::vector<ResticSnapshot>> groups;
  for (const auto& s : snaps) groups[group_of(s)].push_back(s);
  std::int64_t newest = 0;
  std::optional<std::int64_t> last_verified;
  char pattern_buf[512];
  std::string pattern = (o.scratch / "rehome-verify-XXXXXX").string();
  std::snprintf(pattern_buf, sizeof pattern_buf, "%s", pattern.c_str());
  if (!groups.empty() && !::mkdtemp(pattern_buf))
    throw UserError(fmt::format("cannot create a scratch folder under {}", o.scratch.string()),
                    "give a writable --scratch folder with room for the largest backup");
  fs::path scratch = pattern_buf;
  for (auto& [key, list] : groups) {
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.time > b.time; });
    const auto& snap = list.front();
    newest = std::max(newest, snap.time);
    for (const auto& s : list)
      if (s.has_tag(verified_tag)) last_verified = std::max(last_verified.value_or(0), s.time);
    std::string label =
        fmt::format("snapshot {} ({} {})", snap.short_id, snap.tag_value("kind"), snap.tag_value("service"));
    o.progress(fmt::format("restoring {} from {} ...", label, restic.where()));
    size_t before = r.problems.size();
    try {
      fs::path target = scratch / snap.short_id;
      restic.restore(snap.id, target);
      unpack_streams(target);  // a streamed dump: its tar unpacked beside itself, parts joined
      auto folder = find_manifest_folder(target);
      if (!folder) {
        r.problems.push_back(fmt::format("{}: no {} in it: not a rehome snapshot", label, manifest_file));
        continue;  // already names the snapshot
      }
      StoredBackup b{*folder, manifest_from_json(read_file(*folder / manifest_file), label), std::nullopt};
      r.bytes += b.manifest.total_bytes();
      check_backup(b, {o.restore_url, o.restore_mariadb_url}, r, o.progress);
      std::error_code ec;
      fs::remove_all(target, ec);
    } catch (const UserError& e) {
      r.problems.push_back(fmt::format("{} ({})", e.what(), e.hint()));
    }
    for (size_t p = before; p < r.problems.size(); ++p) r.problems[p] = label + ": " + r.problems[p];
    if (r.problems.size() == before && res.check.ok) {
      std::vector<std::string> older;
      for (size_t k = 1; k < list.size(); ++k)
        if (list[k].has_tag(verified_tag)) older.push_back(list[k].id);
      try {
        restic.tag({snap.id}, {verified_tag}, {});
        restic.tag(older, {}, {verified_tag});
        res.verified.push_back(snap.id);
        last_verified = std::max(last_verified.value_or(0), snap.time);
        o.progress(fmt::format("  ✓ {} verified", label));
      } catch (const UserError& e) {
        r.problems.push_back(fmt::format("{}: {}", label, e.what()));
      }
    }
  }
  std::error_code ec;
  if (!groups.empty()) fs::remove_all(scratch, ec);
  if (snaps.empty() && r.problems.empty())
    r.problems.push_back(fmt::format("{}: no rehome snapshot{}", restic.where(),
                                     o.estate.empty() ? "" : " of estate " + o.estate));
  r.backup_id = groups.empty() ? "" : fmt::format("{} sources", groups.size());
  r.age_seconds = newest ? now - newest : 0;
  if (newest && r.age_seconds > o.max_age_seconds)
    r.problems.push_back(fmt::format("{}: newest snapshot is {} old, more than the allowed {}",
                                     restic.where(), model::format_duration(r.age_seconds * 1000),
                                     model::format_duration(o.max_age_seconds * 1000)));
  auto& m = res.metrics;
  m.labels = o.labels;
  m.last_exit_code = res.ok() ? 0 : 1;
  m.bytes = r.bytes;
  m.last_check_time = now;
  m.last_success_time = last_verified;
  if (o.textfile) write_file_atomically(*o.textfile, render_backup_metrics(m));
  return res;
}

std::vector<RepoVerifyResult> verify_repositories(const std::vector<RepoVerifyOptions>& each,
                                                  const std::optional<fs::path>& textfile) {
  std::vector<RepoVerifyResult> out;
  std::vector<BackupMetrics> metrics;
  for (auto o : each) {
    o.textfile.reset();
    try {
      out.push_back(verify_repository(o));
    } catch (const UserError& e) {  // no password, no scratch folder: a failed verify, still in the file
      RepoVerifyResult failed;
      failed.details.problems.push_back(fmt::format("{} ({})", e.what(), e.hint()));
      failed.metrics.labels = o.labels;
      failed.metrics.last_exit_code = 1;
      failed.metrics.last_check_time = o.now ? o.now : static_cast<std::int64_t>(std::time(nullptr));
      out.push_back(std::move(failed));
    }
    metrics.push_back(out.back().metrics);
  }
  if (textfile) write_file_atomically(*textfile, render_backup_metrics(metrics));
  return out;
}

ResticForget forget_repository(const Repository& repo, const std::string& estate,
                               const model::RetentionPolicy& policy, bool dry_run) {
  return Restic(repo).forget(policy, estate_tags(estate), verified_tag, dry_run);
}

}  // namespace rehome::backup
