#pragma once
// The command line equivalent to a mover's in-process call, for the dry run and the journal.
#include <string>

#include "move/move.hpp"

namespace rehome::move {

// `pass`: "copy", "final-sync", "verify", or "stop-follow" (a following postgres item: drops its
// slot, publication and subscription). The state file of each pass sits in <work_dir>/state/.
std::string mover_command(const MoveOptions& options, const DataItem& item, const std::string& pass);
std::string mover_state_file(const MoveOptions& options, const DataItem& item, const std::string& pass);

}  // namespace rehome::move
