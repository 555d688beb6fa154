#include "backup/survey.hpp"

#include <ctime>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/secrets.hpp"

namespace rehome::backup {

std::optional<std::string> restic_location(const std::string& loc) {
  if (loc.starts_with("/")) return loc;
  for (const char* scheme : {"sftp:", "rest:", "s3:", "b2:", "azure:", "gs:", "swift:", "rclone:", "local:"})
    if (loc.starts_with(scheme) && !loc.starts_with(std::string(scheme) + "//")) return loc;
  auto colon = loc.find(":/");
  if (colon != std::string::npos && colon > 0 && loc.find("://") == std::string::npos) return "sftp:" + loc;
  return std::nullopt;
}

Survey survey_targets(const std::vector<model::BackupTarget>& targets, const SurveyOptions& o) {
  Survey survey;
  survey.now = o.now ? o.now : static_cast<std::int64_t>(std::time(nullptr));
  survey.max_age_seconds = o.max_age_seconds;
  for (const auto& t : targets) {
    TargetSeen seen;
    seen.target = t.name;
    auto location = restic_location(t.location);
    if (!location) {
      seen.state = "not a repository location";
      seen.reason = fmt::format(
          "\"{}\" is not a restic repository: write /path, sftp:user@host:/path or "
          "rest:http://host:8000/name",
          mask_url(t.location));
      survey.targets.push_back(std::move(seen));
      continue;
    }
    seen.repository = mask_url(*location);
    try {
      Restic restic(Repository{*location, o.password_file, o.cache_dir, o.restic_options});
      auto probe = restic.probe(o.timeout);
      seen.reason = probe.reason;
      switch (probe.reach) {
        case Reach::ok:
          seen.state = "ok";
          break;
        case Reach::unreachable:
          seen.state = "unreachable";
          break;
        case Reach::no_repository:
          seen.state = "no repository";
          break;
        case Reach::wrong_password:
          seen.state = "wrong password";
          break;
      }
      if (seen.answered()) {
        std::vector<std::string> tags = {"rehome"};
        if (!o.estate.empty()) tags.push_back(snapshot_tags(o.estate, "", "")[1]);
        for (const auto& s : restic.snapshots(tags)) {
          auto service = s.tag_value("service");
          if (service.empty()) continue;
          auto& newest = seen.newest[service];
          newest = std::max(newest, s.time);
          if (s.has_tag(verified_tag)) {
            auto& proven = seen.proven[service];
            proven = std::max(proven, s.time);
          }
        }
      }
    } catch (const UserError& e) {
      seen.state =
          std::string(e.what()).find("no password") != std::string::npos ? "no password" : "unreachable";
      seen.reason = fmt::format("{} ({})", e.what(), e.hint());
    }
    // restic's reason can run to many lines: the first says it.
    if (auto nl = seen.reason.find('\n'); nl != std::string::npos) seen.reason = seen.reason.substr(0, nl);
    survey.targets.push_back(std::move(seen));
  }
  return survey;
}

}  // namespace rehome::backup
