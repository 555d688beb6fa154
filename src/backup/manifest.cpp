#include "backup/manifest.hpp"

#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace rehome::backup {

using nlohmann::json;

std::int64_t Manifest::total_bytes() const {
  std::int64_t sum = 0;
  for (const auto& a : artefacts) sum += a.size;
  return sum;
}

const Artefact* Manifest::find(const std::string& name) const {
  for (const auto& a : artefacts)
    if (a.name == name) return &a;
  return nullptr;
}

std::string manifest_to_json(const Manifest& m) {
  json arts = json::array();
  for (const auto& a : m.artefacts) {
    json j = {{"name", a.name},          {"kind", a.kind},      {"source", a.source}, {"size", a.size},
              {"time", iso_utc(a.time)}, {"unix_time", a.time}, {"sha256", a.sha256}};
    if (!a.database.empty()) j["database"] = a.database;
    if (a.kind == "postgres" || a.kind == "mariadb") j["row_counts"] = a.row_counts;
    if (!a.checksums.empty()) j["checksums"] = a.checksums;
    if (!a.binlog_position.empty()) j["binlog_position"] = a.binlog_position;
    if (!a.files.empty()) j["files"] = a.files;
    arts.push_back(std::move(j));
  }
  json doc = {{"format", Manifest::format_name},
              {"id", m.id},
              {"time", iso_utc(m.time)},
              {"unix_time", m.time},
              {"estate", m.estate},
              {"host", m.host},
              {"total_bytes", m.total_bytes()},
              {"artefacts", arts}};
  return doc.dump(2) + "\n";
}

Manifest manifest_from_json(const std::string& text, const std::string& where) {
  auto bad = [&](const std::string& why) {
    return UserError(
        fmt::format("{}: not a valid rehome backup manifest: {}", where, why),
        "this backup folder is damaged or incomplete; take a new backup and do not trust this one");
  };
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw bad(e.what());
  }
  try {
    if (doc.value("format", "") != Manifest::format_name) throw bad("missing or unknown \"format\"");
    Manifest m;
    m.id = doc.at("id").get<std::string>();
    m.time = doc.at("unix_time").get<std::int64_t>();
    m.estate = doc.value("estate", "");
    m.host = doc.value("host", "");
    for (const auto& j : doc.at("artefacts")) {
      Artefact a;
      a.name = j.at("name").get<std::string>();
      if (a.name.empty() || a.name.find('/') != std::string::npos || a.name.starts_with("."))
        throw bad(fmt::format("artefact name \"{}\" is not a plain file name", a.name));
      a.kind = j.at("kind").get<std::string>();
      a.source = j.value("source", "");
      a.size = j.at("size").get<std::int64_t>();
      a.time = j.value("unix_time", m.time);
      a.sha256 = j.at("sha256").get<std::string>();
      a.database = j.value("database", "");
      if (j.contains("row_counts"))
        a.row_counts = j.at("row_counts").get<std::map<std::string, std::int64_t>>();
      if (j.contains("checksums")) a.checksums = j.at("checksums").get<std::map<std::string, std::string>>();
      a.binlog_position = j.value("binlog_position", "");
      if (j.contains("files")) a.files = j.at("files").get<std::map<std::string, std::string>>();
      m.artefacts.push_back(std::move(a));
    }
    return m;
  } catch (const json::exception& e) {
    throw bad(e.what());
  }
}

std::string verify_record_to_json(const VerifyRecord& r) {
  json doc = {{"verified_at", iso_utc(r.time)}, {"unix_time", r.time}, {"restored", r.restored}};
  return doc.dump(2) + "\n";
}

std::optional<VerifyRecord> verify_record_from_json(const std::string& text) {
  try {
    auto doc = json::parse(text);
    return VerifyRecord{doc.at("unix_time").get<std::int64_t>(), doc.value("restored", false)};
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

namespace {

// `pattern` gets year, month, day, hour, minute, second of the UTC time.
std::string format_utc(std::int64_t unix_seconds, const char* pattern) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format(fmt::runtime(pattern), tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

}  // namespace

std::string backup_id_for(std::int64_t unix_seconds) {
  return format_utc(unix_seconds, "{:04}{:02}{:02}T{:02}{:02}{:02}Z");
}

std::optional<std::int64_t> time_from_backup_id(const std::string& id) {
  if (id.size() != 16 || id[8] != 'T' || id[15] != 'Z') return std::nullopt;
  for (size_t i = 0; i < 15; ++i)
    if (i != 8 && (id[i] < '0' || id[i] > '9')) return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(id.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(id.substr(4, 2)) - 1;
  tm.tm_mday = std::stoi(id.substr(6, 2));
  tm.tm_hour = std::stoi(id.substr(9, 2));
  tm.tm_min = std::stoi(id.substr(11, 2));
  tm.tm_sec = std::stoi(id.substr(13, 2));
  return static_cast<std::int64_t>(timegm(&tm));
}

std::string iso_utc(std::int64_t unix_seconds) {
  return format_utc(unix_seconds, "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z");
}

}  // namespace rehome::backup
