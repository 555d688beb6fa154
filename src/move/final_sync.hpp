#pragma once
// The final sync, one seam per engine: what runs under the write freeze to bring the new side level
// with the old. Each is one function so a better catch-up replaces it alone:
//  - postgres: today a whole pass (--truncate, a fresh state) with its checksums; the logical
//    replication catch-up being added in migrate/postgres replaces final_sync_postgres, so the frozen
//    window stops growing with the database;
//  - mariadb: a whole verified pass (the binlog from the recorded position would replace it);
//  - redis: a whole pass (MSET/RESTORE, every key compared);
//  - volume: the mover's incremental pass (only what changed since the copy is sent).
#include <string>
#include <vector>

#include "move/move.hpp"
#include "runbook/transport.hpp"

namespace rehome::move {

// What one pass of a mover did: whether it proved the data equal, and in a line for the journal.
struct PassResult {
  bool ok = true;
  std::vector<std::string> problems;  // one line per difference, naming the table, key or file
  std::string summary;
  double seconds = 0;
};

// Words for the dry run: how the final sync of `engine` works today.
std::string final_sync_method(const std::string& engine);

// The in-process passes of one item, URLs resolved from the credentials (`env`).
PassResult copy_pass(const MoveOptions& options, const DataItem& item, const runbook::Env& env);
PassResult final_sync_postgres(const MoveOptions& options, const DataItem& item, const runbook::Env& env);
PassResult final_sync_mariadb(const MoveOptions& options, const DataItem& item, const runbook::Env& env);
PassResult final_sync_redis(const MoveOptions& options, const DataItem& item, const runbook::Env& env);
PassResult final_sync_volume(const MoveOptions& options, const DataItem& item, const runbook::Env& env);
PassResult verify_pass(const MoveOptions& options, const DataItem& item, const runbook::Env& env);

// Runs a pass of the movers. The real one calls the migrate library; tests give their own.
class Movers {
 public:
  virtual ~Movers() = default;
  // `pass`: copy, final-sync or verify.
  virtual PassResult run(const DataItem& item, const std::string& pass) = 0;
};

class LibraryMovers : public Movers {
 public:
  LibraryMovers(MoveOptions options, runbook::Env env) : options_(std::move(options)), env_(std::move(env)) {}
  PassResult run(const DataItem& item, const std::string& pass) override;

 private:
  MoveOptions options_;
  runbook::Env env_;
};

// Expands ${NAME}, ${NAME:-default}, ${NAME:+word} and $NAME in a URL's shell text from `env` (then
// the process environment), as the shell would, so the printed command and the call use one URL.
std::string expand_variables(const std::string& text, const runbook::Env& env);

}  // namespace rehome::move
