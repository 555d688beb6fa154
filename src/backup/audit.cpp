#include "backup/audit.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace rehome::backup {
namespace {

struct Coverage {
  int copies = 1;
  std::set<std::string> media{"disk"};  // the live data sits on a server disk
  bool offsite = false;
  std::vector<std::string> where{"live"};
};

Coverage coverage_of(const model::BackupSettings& settings) {
  Coverage c;
  for (const auto& t : settings.targets) {
    ++c.copies;
    c.media.insert(t.medium);
    if (t.kind == "offsite") c.offsite = true;
    c.where.push_back(fmt::format("{} ({}{})", t.name, t.kind == "offsite" ? "off-site " : "", t.medium));
  }
  return c;
}

std::string describe(AuditItem& item, const Coverage& c) {
  if (!item.backed_up) return "NO BACKUP (the live data is the only copy)";
  std::vector<std::string> missing;
  if (item.copies < 3)
    missing.push_back(fmt::format("{} more cop{}", 3 - item.copies, 3 - item.copies == 1 ? "y" : "ies"));
  if (item.media < 2) missing.push_back("a second medium (e.g. cloud or NAS, not the same kind of disk)");
  if (!item.offsite) missing.push_back("an off-site copy");
  std::string head = fmt::format("{} copies ({}), {} medi{} ({}), off-site: {}", item.copies,
                                 fmt::join(c.where, " + "), item.media, item.media == 1 ? "um" : "a",
                                 fmt::join(c.media, ", "), item.offsite ? "yes" : "no");
  if (missing.empty()) return head + " -> meets 3-2-1";
  return head + " -> needs " + fmt::format("{}", fmt::join(missing, ", "));
}

}  // namespace

bool engine_supported(const std::string& engine) { return engine == "postgres" || engine == "redis"; }

int AuditReport::failing() const {
  return static_cast<int>(
      std::count_if(items.begin(), items.end(), [](const auto& i) { return !i.meets_321(); }));
}

AuditReport audit_backups(const model::Estate& estate) {
  AuditReport report;
  const auto& settings = estate.backup;
  Coverage cover = coverage_of(settings);
  if (settings.targets.empty())
    report.notes.push_back("no backup targets are configured (backup.targets): nothing is copied anywhere");

  std::set<std::string> listed(settings.volumes.begin(), settings.volumes.end());
  std::set<std::string> mounted;
  for (const auto& svc : estate.services) {
    for (const auto& v : svc.volumes) mounted.insert(v.name);
    if (svc.data && svc.data->replica_of) {
      report.replicas.push_back(fmt::format("{} streams from {}", svc.name, *svc.data->replica_of));
      continue;
    }
    if (svc.data && svc.data->engine != "files") {
      AuditItem item;
      item.service = svc.name;
      item.kind = "database";
      item.subject = svc.data->databases.empty() ? fmt::format("{} ({})", svc.name, svc.data->engine)
                                                 : fmt::format("{} ({}: {})", svc.name, svc.data->engine,
                                                               fmt::join(svc.data->databases, ", "));
      for (const auto& other : estate.services)
        if (other.data && other.data->replica_of == svc.name) item.replicas.push_back(other.name);
      item.backed_up = engine_supported(svc.data->engine) && !settings.targets.empty();
      item.copies = item.backed_up ? cover.copies : 1;
      item.media = item.backed_up ? static_cast<int>(cover.media.size()) : 1;
      item.offsite = item.backed_up && cover.offsite;
      item.verdict = describe(item, cover);
      if (!engine_supported(svc.data->engine))
        item.verdict += fmt::format(": rehome backup run cannot dump {} yet; add the engine's own dump job",
                                    svc.data->engine);
      else if (!item.backed_up)
        item.verdict += ": add a backup target";
      if (!item.replicas.empty())
        item.verdict += fmt::format(" (replica {} protects against losing the server, not against deletion)",
                                    fmt::join(item.replicas, ", "));
      report.items.push_back(std::move(item));
      continue;
    }
    if (!svc.stateful && !svc.data) continue;
    for (const auto& v : svc.volumes) {
      if (v.read_only) continue;
      AuditItem item;
      item.service = svc.name;
      item.kind = "volume";
      item.subject = fmt::format("volume {} ({})", v.name, svc.name);
      item.backed_up = listed.count(v.name) > 0 && !settings.targets.empty();
      item.copies = item.backed_up ? cover.copies : 1;
      item.media = item.backed_up ? static_cast<int>(cover.media.size()) : 1;
      item.offsite = item.backed_up && cover.offsite;
      item.verdict = describe(item, cover);
      if (!listed.count(v.name)) item.verdict += ": add it to backup.volumes";
      report.items.push_back(std::move(item));
    }
  }
  for (const auto& name : settings.volumes)
    if (!mounted.count(name))
      report.notes.push_back(fmt::format("backup.volumes lists \"{}\" but no service mounts it", name));
  if (!settings.git_mirrors.empty())
    report.notes.push_back(
        fmt::format("{} Git repositor{} mirrored to {}", settings.git_mirrors.size(),
                    settings.git_mirrors.size() == 1 ? "y" : "ies",
                    settings.mirror_remote.empty() ? "(no remote set)" : settings.mirror_remote));
  return report;
}

}  // namespace rehome::backup
