#pragma once
// Whether a mover's resume state still describes its target (issue 22): the rule every mover follows.
// The state file (in the work folder) names a run id; the target records the same run id beside the
// data (PostgreSQL: _rehome_migrate.run, MariaDB: _rehome.runs, Redis: the _rehome:migrate:run hash).
// A state whose run the target does not carry, or whose source is now another server, is stale: it is
// set aside and the migration starts over when the target holds nothing of it, else refused with the
// flag that empties the target. Pure: the callers read the trace and the emptiness.
#include <string>

namespace rehome::migrate {

// Where every mover keeps its state and work files unless --work-dir says otherwise (relative to the
// current folder).
inline constexpr const char* default_work_dir = "rehome-work";

struct ResumeState {  // what the state file says (present = false: there is none)
  bool present = false;
  std::string run_id;           // empty: written by an older rehome (names no run)
  std::string source_system;    // the source server's identity when the run started ("" unknown)
  bool target_written = false;  // a step wrote on the target (its schema, a batch); false: nothing yet
  bool verified = false;        // the run ended verified
};

struct TargetTrace {      // what the target records of rehome's runs
  std::string run_id;     // empty: no trace
  bool finished = false;  // the run recorded its end (verified)
  // The source's identity the run recorded ("" when the mover records none): with it, a finished run
  // of the same source is adopted when there is no state file (a lost or other work folder).
  std::string source_system;
};

enum class ResumeAction {
  fresh,     // no state (or one that never wrote): a new run, the usual empty-target check applies
  resume,    // same run on both sides, not finished: continue
  complete,  // same run, finished: verify again, report "already complete" with the original figures
             // (also without a state file, when the target records a finished run of the same source)
  restart,   // stale state, the target holds nothing of the migration (or --truncate): start over
  refuse,    // stale state, the target holds data: stop, name the flag
};

struct ResumeDecision {
  ResumeAction action = ResumeAction::fresh;
  std::string why;  // for stale states: why, in plain words ("" otherwise)
};

// `source_system_now`: the source's identity now ("" unknown: not compared); `target_empty`: the
// target holds nothing the migration would create; `truncate`: the flag that empties it was given.
ResumeDecision decide_resume(const ResumeState& state, const TargetTrace& trace,
                             const std::string& source_system_now, bool target_empty, bool truncate);

}  // namespace rehome::migrate
