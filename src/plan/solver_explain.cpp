#include "plan/solver_explain.hpp"

#include <fmt/format.h>

namespace rehome::plan::solver {

Infeasibility explain_failure(const Draft& draft, const Replica& r) {
  const auto& svc = *draft.facts(r.service).svc;
  const auto& state = draft.state();
  const auto& ctx = draft.ctx();
  Infeasibility f;
  f.service = svc.name;
  f.replica = r.index;
  f.needed_memory = svc.resources.memory_reservation;
  std::vector<std::string> other_reasons;
  std::optional<ServerId> closest;
  model::Bytes best_short = 0;
  for (ServerId s = 0; s < draft.servers(); ++s) {
    // Would it fit if memory and CPU were no object?
    std::optional<std::string> blocker;
    for (const auto& rule : state.rules()) {
      if (rule->is_capacity()) continue;
      if ((blocker = rule->check(svc, draft.server(s), state.load(s), ctx))) break;
    }
    if (blocker) {
      if (other_reasons.size() < 3) other_reasons.push_back(draft.server(s).name + ": " + *blocker);
      continue;
    }
    model::Bytes mem_short = std::max<model::Bytes>(0, f.needed_memory - state.free_memory(s));
    model::MilliCpu cpu_short =
        std::max<model::MilliCpu>(0, svc.resources.cpu_reservation - state.free_cpu(s));
    // Rank by memory shortfall, then CPU shortfall scaled to a comparable unit (1 thread ~ 1 GiB).
    model::Bytes shortfall = mem_short + cpu_short * (model::GiB / 1000);
    if (!closest || shortfall < best_short) closest = s, best_short = shortfall;
  }
  const std::string who =
      svc.replicas > 1 ? fmt::format("{} (replica {} of {})", svc.name, r.index + 1, svc.replicas) : svc.name;
  if (!closest) {
    f.message = fmt::format("{} cannot run on any server: {}", who, fmt::join(other_reasons, "; "));
    return f;
  }
  const ServerId s = *closest;
  f.closest_server = draft.server(s).name;
  f.free_memory = std::max<model::Bytes>(0, state.free_memory(s));
  f.short_by = std::max<model::Bytes>(0, f.needed_memory - f.free_memory);
  if (f.short_by > 0) {
    f.message =
        fmt::format("{} needs {}; closest: {} with {} free after {:.0f}% headroom, short by {}", who,
                    model::format_bytes(f.needed_memory), f.closest_server,
                    model::format_bytes(f.free_memory), ctx.headroom * 100, model::format_bytes(f.short_by));
  } else {
    const auto free_cpu = std::max<model::MilliCpu>(0, state.free_cpu(s));
    f.message = fmt::format(
        "{} needs {} CPU; closest: {} with {} CPU free after {:.0f}% headroom, short by {}", who,
        model::format_cpu(svc.resources.cpu_reservation), f.closest_server, model::format_cpu(free_cpu),
        ctx.headroom * 100, model::format_cpu(svc.resources.cpu_reservation - free_cpu));
  }
  return f;
}

}  // namespace rehome::plan::solver
