#include "backup/audit.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "model/units.hpp"

namespace rehome::backup {
namespace {

struct Coverage {
  int copies = 1;
  std::set<std::string> media{"disk"};  // the live data sits on a server disk
  bool offsite = false;
  std::vector<std::string> where{"live"};
  std::vector<std::string> missing;  // declared targets that hold no proven copy, with the reason
};

const TargetSeen* seen_of(const Survey& survey, const std::string& target) {
  for (const auto& t : survey.targets)
    if (t.target == target) return &t;
  return nullptr;
}

// Why `seen` holds no proven copy of `key`, or "" when it does.
std::string why_not_a_copy(const TargetSeen* seen, const std::string& key, const Survey& survey) {
  if (!seen) return "not surveyed";
  if (!seen->answered()) return seen->state;  // the notes name its repository and restic's reason
  auto newest = seen->newest.find(key);
  if (newest == seen->newest.end()) return fmt::format("holds no snapshot of {}", key);
  auto proven = seen->proven.find(key);
  if (proven == seen->proven.end())
    return fmt::format("holds snapshots of {} but none a restore test proved (run rehome backup verify)",
                       key);
  std::int64_t age = survey.now - proven->second;
  if (age > survey.max_age_seconds)
    return fmt::format("its newest restore-tested snapshot of {} is {} old (more than {})", key,
                       model::format_duration(age * 1000),
                       model::format_duration(survey.max_age_seconds * 1000));
  return "";
}

// The copies of one item (`key`: the restic service tag of its snapshots).
Coverage coverage_of(const model::BackupSettings& settings, const Survey* survey, const std::string& key) {
  Coverage c;
  for (const auto& t : settings.targets) {
    if (survey) {
      auto why = why_not_a_copy(seen_of(*survey, t.name), key, *survey);
      if (!why.empty()) {
        c.missing.push_back(fmt::format("{}: {}", t.name, why));
        continue;
      }
    }
    ++c.copies;
    c.media.insert(t.medium);
    if (t.kind == "offsite") c.offsite = true;
    c.where.push_back(fmt::format("{} ({}{})", t.name, t.kind == "offsite" ? "off-site " : "", t.medium));
  }
  return c;
}

std::string describe(AuditItem& item, const Coverage& c, bool surveyed) {
  if (!item.backed_up) return "NO BACKUP (the live data is the only copy)";
  std::vector<std::string> missing;
  if (item.copies < 3)
    missing.push_back(fmt::format("{} more cop{}", 3 - item.copies, 3 - item.copies == 1 ? "y" : "ies"));
  if (item.media < 2) missing.push_back("a second medium (e.g. cloud or NAS, not the same kind of disk)");
  if (!item.offsite) missing.push_back("an off-site copy");
  std::string head =
      fmt::format("{} {}cop{} ({}), {} medi{} ({}), off-site: {}", item.copies, surveyed ? "proven " : "",
                  item.copies == 1 ? "y" : "ies", fmt::join(c.where, " + "), item.media,
                  item.media == 1 ? "um" : "a", fmt::join(c.media, ", "), item.offsite ? "yes" : "no");
  if (!c.missing.empty()) head += fmt::format("; not counted: {}", fmt::join(c.missing, "; "));
  if (missing.empty())
    return head + (surveyed ? " -> meets 3-2-1"
                            : " -> meets 3-2-1 as declared (not checked: run audit without --declared)");
  return head + " -> not 3-2-1: needs " + fmt::format("{}", fmt::join(missing, ", "));
}

void count(AuditItem& item, const Coverage& c) {
  item.copies = item.backed_up ? c.copies : 1;
  item.media = item.backed_up ? static_cast<int>(c.media.size()) : 1;
  item.offsite = item.backed_up && c.offsite;
  item.missing_copies = c.missing;
}

}  // namespace

bool engine_supported(const std::string& engine) {
  return engine == "postgres" || engine == "redis" || engine == "mariadb" || engine == "mysql";
}

int AuditReport::failing() const {
  return static_cast<int>(
      std::count_if(items.begin(), items.end(), [](const auto& i) { return !i.meets_321(); }));
}

AuditReport audit_backups(const model::Estate& estate, const Survey* survey) {
  AuditReport report;
  report.surveyed = survey != nullptr;
  if (survey) report.targets = survey->targets;
  const auto& settings = estate.backup;
  if (settings.targets.empty())
    report.notes.push_back("no backup targets are configured (backup.targets): nothing is copied anywhere");
  if (survey)
    for (const auto& t : survey->targets)
      if (!t.answered())
        report.notes.push_back(fmt::format("target {} is {}{}{}", t.target, t.state,
                                           t.repository.empty() ? "" : " at " + t.repository,
                                           t.reason.empty() ? "" : ": " + t.reason));

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
      Coverage cover = coverage_of(settings, survey, svc.name);
      count(item, cover);
      item.verdict = describe(item, cover, survey != nullptr);
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
      Coverage cover = coverage_of(settings, survey, v.name);
      count(item, cover);
      item.verdict = describe(item, cover, survey != nullptr);
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
