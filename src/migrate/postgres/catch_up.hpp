#pragma once
// The final sync of a PostgreSQL migration by the engine's own logical replication, so the write
// freeze at cutover lasts as long as the changes not yet applied, not as long as the database.
//
//   1. Before the copy (migrate_postgres with follow): a publication of the selected tables and a
//      logical replication slot on the source, created on a replication connection with
//      EXPORT_SNAPSHOT; the copy reads in that very snapshot (FollowSlot), so every change the slot
//      streams is one the copy did not see. pgcopydb's --follow does the same.
//   2. After the copy is verified: start_follow() subscribes the target to that slot
//      (create_slot = false, copy_data = false); the target applies the source's changes from then on.
//   3. At cutover, with the old writers stopped: finish() writes a marker row on the source, waits
//      until the target applied it (wait_caught_up: every transaction committed before it is then
//      applied), disables the subscription, holds a snapshot of the target at that instant, sets the
//      sequences (logical replication does not carry them): the target is writable from here, after a
//      window that does not depend on the database's size. Then it verifies every table, the frozen
//      source against the target's snapshot (row count and in-server content hash), and drops the
//      subscription, the slot, the publication and the marker tables. Both times are measured.
//
// A slot left behind keeps the source's WAL forever (its disk fills): an error before the
// subscription exists drops it; drop_follow() removes everything of a follow by name.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engines/postgres.hpp"
#include "migrate/postgres/migration.hpp"
#include "migrate/selection.hpp"

namespace rehome::migrate {

// The objects of one migration's follow, named from its fingerprint (from, to, selection): the
// publication and slot on the source and the subscription on the target are all `slot`
// ("rehome_<16 hex digits>"); the marker table is _rehome_follow.<slot> on both servers.
struct FollowNames {
  std::string slot;
  std::string marker;  // qualified and quoted
};
FollowNames follow_names(const std::string& from, const std::string& to, const Selection& selection);

struct FollowOptions {
  std::string from, to;  // the migration's --from and --to
  Selection selection;
  // How the target server itself reaches the source, as a libpq string or URL without a password
  // (the target's server process reads it from its own ~/.pgpass, or from passfile=... here);
  // default: --from without its password.
  std::string source_from_target;
  int jobs = 4;                       // connections on each side for the final verification
  std::chrono::seconds timeout{600};  // wait_caught_up gives up after this
  std::function<void(const std::string&)> on_step;
  // finish(): called once the target is writable (caught up, detached from the source, sequences set),
  // while the proof still runs on a snapshot of that instant: `rehome move` starts the new writers here.
  // Without it, a proof that fails lets the target follow the source again.
  std::function<void()> on_writable;
};

// Before the copy: checks the source (wal_level = logical, a free slot, the REPLICATION attribute,
// a replica identity for every table), then creates the publication of `tables`, the slot and the
// source's marker table. snapshot() is the slot's exported snapshot, valid while this object
// lives. Unless keep() was called, the destructor drops the slot, the publication and the marker.
class FollowSlot {
 public:
  FollowSlot(const engines::PgEndpoint& source, const std::vector<TableName>& tables,
             const FollowNames& names, bool set_replica_identity_full,
             const std::function<void(const std::string&)>& on_step);
  ~FollowSlot();
  FollowSlot(const FollowSlot&) = delete;
  FollowSlot& operator=(const FollowSlot&) = delete;
  const std::string& snapshot() const { return snapshot_; }
  const std::string& consistent_lsn() const { return consistent_lsn_; }
  // The copy is done with the snapshot: the replication connection closes.
  void release_snapshot() { replication_.reset(); }
  // The subscription owns the slot now: nothing is dropped on destruction.
  void keep() { kept_ = true; }

 private:
  engines::PgEndpoint source_;
  FollowNames names_;
  std::unique_ptr<engines::PgConnection> replication_;
  std::string snapshot_, consistent_lsn_;
  bool kept_ = false;
};

// After the copy: the target's marker table and its subscription to the slot. Throws UserError
// (with what to do) when the target cannot subscribe or cannot reach the source.
void start_follow(const FollowOptions& options);

// Whether the slot exists on the source and the subscription on the target.
struct FollowPresence {
  bool slot = false, subscription = false;
};
FollowPresence follow_presence(const FollowOptions& options);

struct FollowLag {
  std::string source_lsn;      // pg_current_wal_lsn() of the source
  std::string applied_lsn;     // end of the last source transaction the target applied ("" before the first)
  std::string confirmed_lsn;   // the slot's confirmed_flush_lsn: WAL before it can be recycled
  int64_t bytes_behind = 0;    // source_lsn - applied_lsn (counts other databases' WAL too: an upper bound)
  int64_t retained_bytes = 0;  // WAL the slot keeps on the source (source_lsn - restart_lsn)
  bool streaming = false;      // the target's apply worker runs
};
FollowLag lag(const FollowOptions& options);

// Writes a marker row on the source and returns an LSN that the target passes once it applied the
// marker and so every transaction the source committed before it.
std::string mark_source(const FollowOptions& options);
// Waits until the target applied the source's transactions up to `lsn` (polls every 10 ms). Throws
// UserError when the apply worker stopped (a conflict: see the target's log) or after the timeout.
void wait_caught_up(const FollowOptions& options, const std::string& lsn);

struct PgCutoverReport {
  std::string source, target, slot;  // masked URLs
  int64_t lag_bytes_at_start = 0;
  // window_seconds: from the call (the writers stopped) to a writable target (caught up, detached,
  // sequences set); verified_seconds: to the end of the proof (on the target's snapshot of that
  // instant); then the replication objects are dropped (cleanup).
  double catch_up_seconds = 0, sequences_seconds = 0, window_seconds = 0, verify_seconds = 0,
         verified_seconds = 0, cleanup_seconds = 0;
  std::vector<TableCheck> tables;  // every selected table, live on both sides
  std::vector<SequenceCheck> sequences;
  bool dropped = false;  // subscription, slot, publication and markers removed
  bool verified() const { return problems().empty(); }
  std::vector<std::string> problems() const;
};

// The cutover, called once the old writers stopped: mark, wait_caught_up, detach, sequences
// (on_writable), verify, then drop_follow. When a table differs nothing is dropped and the report names
// the tables; without on_writable the target follows the source again (writers still running?).
PgCutoverReport finish(const FollowOptions& options);

// Drops the subscription (without touching the slot through it), the slot, the publication and the
// marker tables, whatever exists of them; returns what it dropped ("slot rehome_... on the source").
std::vector<std::string> drop_follow(const FollowOptions& options);

}  // namespace rehome::migrate
