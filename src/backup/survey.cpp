#include "backup/survey.hpp"

#include "backup/run.hpp"
#include "backup/target_location.hpp"

#include <ctime>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/secrets.hpp"

namespace rehome::backup {

std::optional<std::string> restic_location(const std::string& loc) {
  auto parsed = parse_target_location(loc);
  if (parsed.kind == TargetLocation::Kind::invalid) return std::nullopt;
  return parsed.repository;
}

Survey survey_targets(const std::vector<model::BackupTarget>& targets, const SurveyOptions& o) {
  Survey survey;
  survey.now = o.now ? o.now : static_cast<std::int64_t>(std::time(nullptr));
  survey.max_age_seconds = o.max_age_seconds;
  for (const auto& t : targets) {
    TargetSeen seen;
    seen.target = t.name;
    auto parsed = parse_target_location(t.location);
    if (parsed.kind == TargetLocation::Kind::invalid) {
      seen.state = "not a repository location";
      seen.reason = mask_url(parsed.reason);
      survey.targets.push_back(std::move(seen));
      continue;
    }
    // The repository the scheduled job writes (schedule.cpp reads the location with the same parser).
    auto location = std::optional<std::string>(parsed.repository_from(o.machine));
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
