#pragma once
// Shared by the migrate real tests: a source database with the awkward cases, and running the real
// rehome binary as a child (so kill -9 hits the process, not a thread of the test).
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "real/harness/postgres_server.hpp"

namespace rehome::test {

struct RehomeRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs build/rehome with `args` (and extra env) to completion.
RehomeRun run_rehome(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                     const std::filesystem::path& cwd = {});

// Runs build/rehome-testhooks (rehome with the test hooks of tests/testhooks/) to completion: for
// REHOME_TEST_SKEW_STREAM_HASH.
RehomeRun run_rehome_testhooks(const std::vector<std::string>& args,
                               const std::map<std::string, std::string>& env);

// Starts rehome-testhooks with REHOME_TEST_PAUSE_AT=`pause_at`, waits until it reports that pause, kills it
// with SIGKILL and returns its output so far. Fails the test if it ends before pausing.
std::string run_rehome_and_kill_at(const std::vector<std::string>& args, const std::string& pause_at);

struct KilledRun {
  bool killed = false;  // still running when `delay` passed, and killed with SIGKILL
  int exit_code = -1;   // when it ended before the delay
  double seconds = 0;   // from the start until it ended or was killed
  std::string output;   // stdout and stderr so far
};

// Starts build/rehome with `args` and kills it with SIGKILL as soon as `now()` says so (asked every
// 2 ms while it runs), unless it ended first: kill -9 at a moment chosen from outside, not by a hook.
KilledRun run_rehome_and_kill_when(const std::vector<std::string>& args, const std::function<bool()>& now);
// The same once `delay` has passed.
KilledRun run_rehome_and_kill_after(const std::vector<std::string>& args, std::chrono::microseconds delay);

// Fills database `db` of `pg` with: many small tables, every awkward type (bytea, json/jsonb,
// arrays, numeric, timestamptz, NULLs, unicode, a 1 MB text), a table without primary key, an empty
// table, sequences, foreign keys, an enum, a schema other than public, and (if big_rows > 0) a large
// table public.big that the copy splits into block ranges.
void fill_source(const PostgresServer& pg, const std::string& db, int big_rows);

// An order-independent fingerprint of every user table (count + md5 of the sorted row texts),
// computed with psql, independently of rehome's own checksums.
std::map<std::string, std::string> table_fingerprints(const PostgresServer& pg, const std::string& db);

// A fresh temp folder for state files, removed by the destructor.
struct TempDir {
  TempDir();
  ~TempDir();
  std::filesystem::path path;
};

}  // namespace rehome::test
