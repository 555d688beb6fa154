#pragma once
// The state file of a PostgreSQL migration: which steps are done, each unit's progress. Written
// atomically after every change, so after kill -9 the same command reads it and continues. The
// target's own bookkeeping table (catalog.hpp) is the final word on which units were committed;
// this file is what the command plans from and what a person can read.
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "migrate/postgres/work_units.hpp"

namespace rehome::migrate {

enum class UnitStatus { pending, copying, done };

struct UnitProgress {
  WorkUnit unit;
  UnitStatus status = UnitStatus::pending;
  int64_t rows = 0;
  int64_t bytes = 0;
  int attempts = 0;
  std::string checksum;  // readback checksum of the rows sent (decimal), once done; empty unless readback
};

struct MigrationState {
  std::string fingerprint;  // from + to + selection: a state file of another migration is refused
  std::string source;       // masked URLs, for people reading the file
  std::string target;
  std::string selection;
  // The run this state describes; the target's _rehome_migrate.run names the same id (run_record.hpp).
  std::string run_id;
  std::string source_system;  // the source's system identifier when the run started ("" unknown)
  bool pre_data_done = false;
  bool copy_done = false;
  std::vector<UnitProgress> units;
  std::set<std::string> post_data_done;  // DumpEntry::id()
  bool post_data_finished = false;
  bool sequences_done = false;
  bool verified = false;
  int runs = 0;  // how many times the command started on this state
};

std::string state_to_json(const MigrationState& state);
// Throws UserError naming `path` when the text is not a state file.
MigrationState state_from_json(const std::string& text, const std::filesystem::path& path);

// The state plus its file: every change is saved atomically; safe to use from several workers.
class StateFile {
 public:
  StateFile(std::filesystem::path path, MigrationState state)
      : path_(std::move(path)), state_(std::move(state)) {}
  // Applies `change` to the state under the lock and saves the file.
  template <typename F>
  void update(F&& change) {
    std::lock_guard lock(mutex_);
    change(state_);
    save_locked();
  }
  MigrationState snapshot() const {
    std::lock_guard lock(mutex_);
    return state_;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  void save_locked() const;
  std::filesystem::path path_;
  MigrationState state_;
  mutable std::mutex mutex_;
};

}  // namespace rehome::migrate
