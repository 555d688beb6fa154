#pragma once
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rehome {

struct ProcessOptions {
  std::string stdin_data;                  // written to the child's stdin, then closed
  std::map<std::string, std::string> env;  // added to (or overriding) the inherited environment
  std::optional<std::filesystem::path> cwd;
  std::chrono::milliseconds timeout{0};  // 0 = none; on expiry the child gets SIGKILL
  bool capture_stdout = true;            // false: inherit (stream to the terminal)
  bool capture_stderr = true;
};

struct ProcessResult {
  int exit_code = -1;  // the exit status, or 128 + signal
  bool timed_out = false;
  std::string out;
  std::string err;
  bool ok() const { return exit_code == 0 && !timed_out; }
};

// Runs argv[0] (looked up on PATH) with the arguments, no shell. Throws UserError when the program
// cannot be started (not installed), naming it.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// Ends what a killed run left running: every process of this machine whose environment holds the
// entry `tag` (e.g. "REHOME_RUN=3f2a..."; a child inherits it, so a shell's children carry it too)
// gets SIGTERM, and those still there after `grace` get SIGKILL; returns once they are gone (or after
// another 5 s). The pids it signalled, in the order found. A process whose environment cannot be read
// (another user's) is never touched.
std::vector<int> end_tagged_processes(const std::string& tag,
                                      std::chrono::milliseconds grace = std::chrono::seconds(10));

// Finds a program on PATH, then in `extra_dirs` (e.g. /usr/lib/postgresql/15/bin). Empty if absent.
std::optional<std::filesystem::path> find_program(const std::string& name,
                                                  const std::vector<std::filesystem::path>& extra_dirs = {});

// Like find_program but throws UserError("<name> not found ... install <package>") when absent.
std::filesystem::path require_program(const std::string& name, const std::string& debian_package,
                                      const std::vector<std::filesystem::path>& extra_dirs = {});

// The PostgreSQL server binaries folder (/usr/lib/postgresql/<newest>/bin), if any.
std::optional<std::filesystem::path> postgres_bin_dir();

}  // namespace rehome
