#include "validate/result.hpp"

#include <cmath>

#include <fmt/format.h>

#include "common/table.hpp"

namespace rehome::validate {

std::string to_string(Outcome o) {
  switch (o) {
    case Outcome::passed:
      return "Passed";
    case Outcome::skipped:
      return "Skipped";
    case Outcome::partial:
      return "Partial";
    case Outcome::failed:
      return "Failed";
  }
  return "?";
}

std::string to_string(Area a) {
  switch (a) {
    case Area::databases:
      return "Database Services";
    case Area::services:
      return "Services";
    case Area::monitoring:
      return "Monitoring Stack";
    case Area::network:
      return "Network Connectivity";
    case Area::security:
      return "Security";
    case Area::resources:
      return "Performance & Resources";
  }
  return "?";
}

std::string area_key(Area a) {
  switch (a) {
    case Area::databases:
      return "databases";
    case Area::services:
      return "services";
    case Area::monitoring:
      return "monitoring";
    case Area::network:
      return "network";
    case Area::security:
      return "security";
    case Area::resources:
      return "resources";
  }
  return "?";
}

namespace {

void count(Score& s, Outcome o) {
  switch (o) {
    case Outcome::passed:
      ++s.passed;
      break;
    case Outcome::skipped:
      ++s.skipped;
      break;
    case Outcome::partial:
      ++s.partial;
      break;
    case Outcome::failed:
      ++s.failed;
      break;
  }
}

std::string pct(const Score& s) { return s.total() ? fmt::format("{:.0f}%", std::round(s.percent())) : "—"; }

std::string verdict(const Suite& suite) {
  std::string reason = status_reason(suite);
  return reason.empty() ? to_string(suite.status())
                        : fmt::format("{} ({})", to_string(suite.status()), reason);
}

}  // namespace

Score Suite::score(Area area) const {
  Score s;
  for (const auto& r : results)
    if (r.area == area) count(s, r.outcome);
  return s;
}

Status Suite::status() const {
  Score o = overall();
  if (o.failed > 0) return Status::failed;
  if (o.skipped > 0 || o.partial > 0 || o.total() == 0) return Status::incomplete;
  return Status::passed;
}

std::string to_string(Status s) {
  switch (s) {
    case Status::passed:
      return "PASSED";
    case Status::incomplete:
      return "INCOMPLETE";
    case Status::failed:
      return "FAILED";
  }
  return "FAILED";
}

std::string status_reason(const Suite& suite) {
  Score o = suite.overall();
  if (o.total() == 0) return "no probe ran";
  std::vector<std::string> parts;
  if (o.failed > 0) parts.push_back(fmt::format("{} of {} probes failed", o.failed, o.total()));
  if (o.skipped > 0) parts.push_back(fmt::format("{} of {} probes skipped", o.skipped, o.total()));
  if (o.partial > 0) parts.push_back(fmt::format("{} partial", o.partial));
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

Score Suite::overall() const {
  Score s;
  for (const auto& r : results) count(s, r.outcome);
  return s;
}

std::string render_table(const Suite& suite) {
  Table t({"Test Category", ">Passed", ">Skipped", ">Partial", ">Failed", ">Score"});
  for (Area a : kAreas) {
    Score s = suite.score(a);
    t.add_row({to_string(a), fmt::format("{}/{}", s.passed, s.total()), std::to_string(s.skipped),
               std::to_string(s.partial), std::to_string(s.failed), pct(s)});
  }
  Score o = suite.overall();
  t.add_row({"TOTAL", fmt::format("{}/{}", o.passed, o.total()), std::to_string(o.skipped),
             std::to_string(o.partial), std::to_string(o.failed), pct(o)});
  std::string out = t.render() + fmt::format("\nOverall status: {}\n", verdict(suite));
  Table details({"Outcome", "Probe", "Reason"});
  for (const auto& r : suite.results)
    if (r.outcome != Outcome::passed) details.add_row({to_string(r.outcome), r.name, r.reason});
  if (!details.empty()) {
    out += '\n';
    out += details.render();
  }
  return out;
}

}  // namespace rehome::validate
