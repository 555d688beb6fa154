#pragma once
#include "plan/solver.hpp"
#include "plan/solver_draft.hpp"

namespace rehome::plan::solver {

// Why no plan exists: replica `r` fits on no server given the draft. Names the server where it came
// closest (the non-capacity rules allow it there, and memory, then CPU, is shortest) and by how much;
// without such a server, the first reasons the other rules gave.
Infeasibility explain_failure(const Draft& draft, const Replica& r);

}  // namespace rehome::plan::solver
