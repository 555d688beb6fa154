#include "migrate/resume_decision.hpp"

#include <fmt/format.h>

namespace rehome::migrate {

ResumeDecision decide_resume(const ResumeState& state, const TargetTrace& trace,
                             const std::string& source_system_now, bool target_empty, bool truncate) {
  if (!state.present) {
    // No state file, but the target records a finished run from this very source: that migration is
    // done (its state kept in another work folder, or lost); it is proven again, not refused as "not
    // empty". --truncate still means: start over.
    if (trace.finished && !trace.run_id.empty() && !trace.source_system.empty() &&
        trace.source_system == source_system_now && !truncate)
      return {ResumeAction::complete, ""};
    return {ResumeAction::fresh, ""};
  }
  std::string why;
  if (!state.source_system.empty() && !source_system_now.empty() &&
      state.source_system != source_system_now) {
    why =
        fmt::format("the source is another server now (system identifier {}, the state's run started on {})",
                    source_system_now, state.source_system);
  } else if (state.run_id.empty()) {
    why = "it was written by an older rehome and names no run the target could confirm";
  } else if (trace.run_id == state.run_id) {
    return {trace.finished || state.verified ? ResumeAction::complete : ResumeAction::resume, ""};
  } else if (!state.target_written && trace.run_id.empty()) {
    return {ResumeAction::fresh, ""};  // the run never wrote on the target: nothing to be stale about
  } else if (trace.run_id.empty()) {
    why = fmt::format("the target has no trace of its run {} (recreated, emptied, or another server)",
                      state.run_id);
  } else {
    why = fmt::format("the target carries another run ({}), not the state's {}", trace.run_id, state.run_id);
  }
  return {target_empty || truncate ? ResumeAction::restart : ResumeAction::refuse, why};
}

}  // namespace rehome::migrate
