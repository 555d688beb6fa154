// backup import-folder: the older folder store's backups into restic repositories, one snapshot per
// artefact, exactly as `backup run` stores it, with the backup's own time and host.
#include <ctime>
#include <set>

#include <fmt/format.h>

#include "backup/artefacts.hpp"
#include "backup/repository.hpp"
#include "backup/store.hpp"
#include "common/error.hpp"
#include "common/sha256.hpp"
#include "engines/url.hpp"

namespace fs = std::filesystem;

namespace rehome::backup {
namespace {

// The service tag `backup run` would have given the artefact's source.
std::string service_of(const Artefact& a) {
  if (a.kind == "volume") {
    fs::path p = fs::path(a.source).lexically_normal();
    if (p.filename().empty()) p = p.parent_path();
    if (p.filename() == "_data") p = p.parent_path();  // /var/lib/docker/volumes/<name>/_data
    return p.filename().string();
  }
  auto url = engines::try_parse_url(a.source);
  return url ? url->host : std::string();
}

// restic's --time: local wall-clock time.
std::string restic_time(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

}  // namespace

ImportResult import_folder(const ImportOptions& o) {
  auto backups = list_backups(o.folder);  // newest first; throws naming the folder
  if (o.repositories.empty())
    throw UserError("no restic repository to import into", "give --repo (repeatable)");
  ImportResult result;
  std::vector<Restic> repos;
  std::set<std::string> present;  // folder-backup=ID tags already in every repository
  bool first = true;
  for (const auto& repo : o.repositories) {
    Restic r(repo);
    r.ensure_initialised();
    std::set<std::string> here;
    for (const auto& s : r.snapshots({"rehome"}))
      if (auto id = s.tag_value("folder-backup"); !id.empty()) here.insert(id);
    if (first)
      present = here;
    else
      std::erase_if(present, [&](const auto& id) { return !here.count(id); });
    first = false;
    repos.push_back(std::move(r));
  }
  for (auto it = backups.rbegin(); it != backups.rend(); ++it) {
    const auto& b = *it;
    if (present.count(b.manifest.id)) {
      ++result.already_there;
      o.progress(fmt::format("{}: already imported", b.manifest.id));
      continue;
    }
    std::string estate = o.estate.empty() ? b.manifest.estate : o.estate;
    fs::path root = o.staging / safe_name(estate.empty() ? "no-estate" : estate);
    fs::path incoming = root / ".incoming";
    o.progress(fmt::format("{}: {} artefacts", b.manifest.id, b.manifest.artefacts.size()));
    size_t failures_before = result.stored.failures.size();
    bool refused = false;  // a backup with a damaged artefact is refused whole (and retried next time)
    for (const auto& a : b.manifest.artefacts) {
      fs::path file = b.dir / a.name;
      std::error_code ec;
      auto size = fs::is_regular_file(file, ec) ? static_cast<std::int64_t>(fs::file_size(file, ec)) : -1;
      if (size == a.size && sha256_file(file) == a.sha256) continue;
      result.refused.push_back(fmt::format(
          "{}: {} (the manifest says {} bytes, sha256 {}): backup {} not imported", file.string(),
          size < 0 ? "missing" : "size or sha256 differs", a.size, a.sha256.substr(0, 16), b.manifest.id));
      o.progress("✗ " + result.refused.back());
      refused = true;
    }
    if (refused) continue;
    for (const auto& a : b.manifest.artefacts) {
      fs::path file = b.dir / a.name;
      std::error_code ec;
      make_folder(incoming, "staging folder");
      fs::copy_file(file, incoming / a.name, fs::copy_options::overwrite_existing, ec);
      if (ec)
        throw UserError(
            fmt::format("cannot copy {} to {}: {}", file.string(), incoming.string(), ec.message()),
            "give --staging a folder with room for the largest artefact");
      Manifest head = b.manifest;
      head.estate = estate;
      if (head.host.empty()) head.host = hostname();
      auto tags = snapshot_tags(estate, service_of(a), a.kind);
      tags.push_back("folder-backup=" + b.manifest.id);
      store_artefact(repos, root, incoming / a.name, a, head, tags, restic_time(b.manifest.time),
                     result.stored, o.progress);
    }
    if (result.stored.failures.size() == failures_before) ++result.imported;
  }
  return result;
}

}  // namespace rehome::backup
