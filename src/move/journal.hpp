#pragma once
// The move's journal: <work_dir>/journal.json, rewritten (temp + rename) after every change, so a
// `--execute` killed at any instant resumes: steps done are skipped, a step found "running" was
// interrupted and runs again (every step is idempotent), a freeze already started keeps its start.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace rehome::move {

struct StepEntry {
  std::string status = "pending";  // pending | running | done | failed | rolled-back
  int attempts = 0;
  std::int64_t started_at = 0, finished_at = 0;  // wall clock, ms since the epoch
  std::int64_t duration_ms = 0;                  // summed over attempts
  std::string error;                             // why it failed (secrets masked)
  std::string summary;                           // what it did, in a line (a mover's figures)
  std::string digest;  // step_digest() of the step as it ran: a resume whose step differs is refused
};

// One service's write freeze: from the moment its old writers are told to stop until its new
// instance runs. Monotonic times (CLOCK_MONOTONIC, ms) are comparable across a resume on the same
// boot; after a reboot the wall clock is used and said.
struct FreezeEntry {
  std::int64_t stopped_mono = -1, started_mono = -1;
  std::int64_t stopped_wall = 0, started_wall = 0;
  std::string boot_id, started_boot_id;  // /proc/sys/kernel/random/boot_id at the stop and at the start
};

struct Journal {
  std::string estate;
  std::int64_t started_at = 0, finished_at = 0;  // wall clock of the first --execute, and of the end
  std::int64_t started_mono = -1;
  std::string boot_id;
  bool no_return_passed = false;  // the point of no return was confirmed and passed
  // The id of the latest run (execute or rollback): every command it started carries it in its
  // environment (runbook::kRunTagVariable), so the next run ends what a killed one left running.
  std::string run_tag;
  std::map<std::string, StepEntry> steps;
  std::map<std::string, FreezeEntry> freezes;  // by service
};

nlohmann::json to_json(const Journal& journal);
Journal journal_from_json(const nlohmann::json& j, const std::string& filename);  // UserError when malformed

// Missing = a fresh journal; malformed = UserError naming the file.
Journal load_journal(const std::filesystem::path& path);
void save_journal(const std::filesystem::path& path, const Journal& journal);

// The freeze window of a service in ms and the clock it was measured on ("monotonic" or
// "wall clock (rebooted)"); -1 while it is not over.
std::int64_t freeze_window_ms(const FreezeEntry& f, std::string* clock = nullptr);

}  // namespace rehome::move
