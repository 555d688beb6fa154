#include "move/journal.hpp"

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"

namespace rehome::move {

nlohmann::json to_json(const Journal& jr) {
  nlohmann::json steps = nlohmann::json::object(), freezes = nlohmann::json::object();
  for (const auto& [id, s] : jr.steps)
    steps[id] = {{"status", s.status},           {"attempts", s.attempts},
                 {"started_at", s.started_at},   {"finished_at", s.finished_at},
                 {"duration_ms", s.duration_ms}, {"error", s.error},
                 {"summary", s.summary},         {"digest", s.digest}};
  for (const auto& [service, f] : jr.freezes)
    freezes[service] = {{"stopped_mono", f.stopped_mono}, {"started_mono", f.started_mono},
                        {"stopped_wall", f.stopped_wall}, {"started_wall", f.started_wall},
                        {"boot_id", f.boot_id},           {"started_boot_id", f.started_boot_id}};
  return {{"kind", "rehome.move-journal"},
          {"format", 1},
          {"estate", jr.estate},
          {"started_at", jr.started_at},
          {"finished_at", jr.finished_at},
          {"started_mono", jr.started_mono},
          {"boot_id", jr.boot_id},
          {"no_return_passed", jr.no_return_passed},
          {"run_tag", jr.run_tag},
          {"steps", steps},
          {"freezes", freezes}};
}

Journal journal_from_json(const nlohmann::json& j, const std::string& filename) {
  try {
    if (!j.is_object() || j.value("kind", "") != "rehome.move-journal")
      throw UserError(fmt::format("{}: not a move journal (kind rehome.move-journal)", filename),
                      "pass --work-dir with the folder of this move, or move the file away to start over");
    Journal jr;
    jr.estate = j.value("estate", "");
    jr.started_at = j.value("started_at", std::int64_t{0});
    jr.finished_at = j.value("finished_at", std::int64_t{0});
    jr.started_mono = j.value("started_mono", std::int64_t{-1});
    jr.boot_id = j.value("boot_id", "");
    jr.no_return_passed = j.value("no_return_passed", false);
    jr.run_tag = j.value("run_tag", "");
    for (const auto& [id, s] : j.at("steps").items())
      jr.steps[id] = {s.at("status").get<std::string>(),
                      s.value("attempts", 0),
                      s.value("started_at", std::int64_t{0}),
                      s.value("finished_at", std::int64_t{0}),
                      s.value("duration_ms", std::int64_t{0}),
                      s.value("error", ""),
                      s.value("summary", ""),
                      s.value("digest", "")};
    for (const auto& [service, f] : j.at("freezes").items())
      jr.freezes[service] = {f.value("stopped_mono", std::int64_t{-1}),
                             f.value("started_mono", std::int64_t{-1}),
                             f.value("stopped_wall", std::int64_t{0}),
                             f.value("started_wall", std::int64_t{0}),
                             f.value("boot_id", ""),
                             f.value("started_boot_id", "")};
    return jr;
  } catch (const nlohmann::json::exception& e) {
    throw UserError(fmt::format("{}: malformed move journal: {}", filename, e.what()),
                    "restore it from a backup, or move it away to start the move over");
  }
}

Journal load_journal(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) return {};
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::parse_error& e) {
    throw UserError(fmt::format("{}: not JSON: {}", path.string(), e.what()),
                    "restore it from a backup, or move it away to start the move over");
  }
  return journal_from_json(j, path.string());
}

void save_journal(const std::filesystem::path& path, const Journal& journal) {
  write_file_atomically(path, to_json(journal).dump(2) + "\n");
}

std::int64_t freeze_window_ms(const FreezeEntry& f, std::string* clock) {
  if (f.stopped_mono < 0 || f.started_mono < 0) return -1;
  if (f.boot_id == f.started_boot_id) {
    if (clock) *clock = "monotonic";
    return f.started_mono - f.stopped_mono;
  }
  if (clock) *clock = "wall clock (rebooted)";
  return f.started_wall - f.stopped_wall;
}

}  // namespace rehome::move
