#include "plan/solver.hpp"

#include <algorithm>
#include <cstdint>
#include <set>

#include <fmt/format.h>

#include "plan/pack.hpp"
#include "plan/placement_state.hpp"
#include "plan/scorer_util.hpp"

namespace rehome::plan {
namespace {

using ServerId = std::uint32_t;

// Per-service facts the solver reuses for each of its replicas.
struct ServiceInfo {
  const model::Service* svc = nullptr;
  std::vector<ServerId> eligible;      // pinned / labelled services: the only servers that may take them
  bool restricted = false;             // `eligible` is the complete list
  std::vector<size_t> partners;        // service indices of depends_on/affinity partners
  int phase = 0;                       // placement order group (see order_replicas)
  std::vector<const Scorer*> scorers;  // the scorers that apply to it, asked once
};

struct Replica {
  size_t service;
  int index;
};

// The greedy chain: order replicas, filter candidate servers with the hard rules, score them, pick.
class Solver {
 public:
  Solver(const model::Estate& estate, const PlanOptions& options)
      : estate_(estate),
        options_(options),
        state_(estate, options.headroom.value_or(estate.headroom)),
        scorers_(default_scorers(options.strategy)),
        placed_(estate.services.size()),
        stamp_(estate.servers.size(), 0) {
    describe_services();
    for (ServerId s = 0; s < estate.servers.size(); ++s) {
      memory_pos_.push_back(free_index_.insert({state_.free_memory(s), s}).first);
      cpu_pos_.push_back(free_cpu_index_.insert({state_.free_cpu(s), s}).first);
    }
  }

  SolveResult run() {
    SolveResult result;
    if (estate_.servers.empty()) {
      Infeasibility why;
      why.message = "the estate has no servers to place services on";
      result.failure = why;
      return result;
    }
    if (auto why = place_global_services()) {
      result.failure = why;
      return result;
    }
    const auto replicas = order_replicas();
    if (options_.strategy == Strategy::pack && pack_fewest(replicas)) {
      // The soft rules only break ties in pack mode: above 20k replicas the servers are nearly full and
      // the moves among them cost more than they gain.
      if (replicas.size() <= 20000) improve(replicas);
      result.plan = to_plan();
      return result;
    }
    for (const auto& r : replicas) {
      auto best = choose(r.service, std::nullopt);
      if (!best) {
        if (exhaustive_search(replicas)) break;  // small estates: exact search finds a way
        result.failure = explain_failure(r);
        return result;
      }
      place(r.service, *best);
    }
    improve(replicas);
    result.plan = to_plan();
    return result;
  }

 private:
  const model::Estate& estate_;
  PlanOptions options_;
  PlacementState state_;
  Scorers scorers_;
  std::vector<ServiceInfo> info_;
  std::vector<std::vector<ServerId>> placed_;               // service index -> server of each placed replica
  std::set<std::pair<model::Bytes, ServerId>> free_index_;  // servers by free memory after headroom
  std::set<std::pair<model::MilliCpu, ServerId>> free_cpu_index_;  // and by free CPU
  // Each server's node in the two indexes: erasing by iterator skips a search on every move.
  std::vector<std::set<std::pair<model::Bytes, ServerId>>::iterator> memory_pos_;
  std::vector<std::set<std::pair<model::MilliCpu, ServerId>>::iterator> cpu_pos_;
  // The CPU index is asked only when no memory-rich server fits, so it is brought up to date lazily.
  std::vector<ServerId> cpu_stale_;
  std::vector<bool> cpu_is_stale_ = std::vector<bool>(estate_.servers.size(), false);
  std::vector<std::uint32_t> stamp_;  // de-duplicates candidates per query
  std::uint32_t current_stamp_ = 0;
  std::vector<ServerId> by_memory_, by_cpu_, weak_;  // a few preferred servers, best first
  bool keep_servers_ = false;  // pack: the servers are chosen; the soft rules choose among them only

  const PlacementContext& ctx() const { return state_.context(); }
  const model::Server& server(ServerId s) const { return estate_.servers[s]; }

  void describe_services() {
    info_.resize(estate_.services.size());
    for (size_t i = 0; i < estate_.services.size(); ++i) {
      auto& in = info_[i];
      in.svc = &estate_.services[i];
      const auto& p = in.svc->placement;
      if (!p.pin.empty() || !p.labels.empty()) {
        in.restricted = true;
        for (ServerId s = 0; s < estate_.servers.size(); ++s) {
          const auto& srv = server(s);
          bool pinned = p.pin.empty() || std::find(p.pin.begin(), p.pin.end(), srv.name) != p.pin.end();
          bool labelled = std::all_of(p.labels.begin(), p.labels.end(), [&](const auto& kv) {
            auto it = srv.labels.find(kv.first);
            return it != srv.labels.end() && it->second == kv.second;
          });
          if (pinned && labelled) in.eligible.push_back(s);
        }
      }
      for (const auto& sc : scorers_)
        if (sc->applies(*in.svc, ctx())) in.scorers.push_back(sc.get());
      for (ServiceId j : ctx().partners[i]) in.partners.push_back(j);
    }
    std::vector<ServerId> all(estate_.servers.size());
    for (ServerId s = 0; s < all.size(); ++s) all[s] = s;
    auto top = [&](auto better) {
      std::vector<ServerId> v = all;
      size_t n = std::min<size_t>(4, v.size());
      std::partial_sort(v.begin(), v.begin() + static_cast<long>(n), v.end(), better);
      v.resize(n);
      return v;
    };
    by_memory_ = top([&](ServerId a, ServerId b) {
      return server(a).memory != server(b).memory ? server(a).memory > server(b).memory : a < b;
    });
    by_cpu_ = top([&](ServerId a, ServerId b) {
      return server(a).cpu() != server(b).cpu() ? server(a).cpu() > server(b).cpu() : a < b;
    });
    for (ServerId s = 0; s < all.size() && weak_.size() < 4; ++s)
      if (is_weak(server(s))) weak_.push_back(s);
  }

  // Globals first: one per eligible server, before anything competes for the room.
  std::optional<Infeasibility> place_global_services() {
    for (size_t i = 0; i < info_.size(); ++i) {
      if (!info_[i].svc->global) continue;
      for (ServerId s = 0; s < estate_.servers.size(); ++s) {
        const auto& in = info_[i];
        if (in.restricted && std::find(in.eligible.begin(), in.eligible.end(), s) == in.eligible.end())
          continue;
        if (auto why = state_.why_not(*in.svc, s)) {
          Infeasibility f;
          f.service = in.svc->name;
          f.closest_server = server(s).name;
          f.needed_memory = in.svc->resources.memory_reservation;
          f.free_memory = std::max<model::Bytes>(0, state_.free_memory(s));
          f.short_by = std::max<model::Bytes>(0, f.needed_memory - f.free_memory);
          f.message =
              fmt::format("{} runs on every server but cannot on {}: {}", f.service, f.closest_server, *why);
          return f;
        }
        place(i, s);
      }
    }
    return std::nullopt;
  }

  // Pinned/labelled first (fewest choices), then, when there is room to spare, by role so the scorers
  // see the production servers take shape before monitoring and CI pick theirs; within a group and
  // always on tight estates, biggest first (first-fit-decreasing's order).
  std::vector<Replica> order_replicas() {
    model::Bytes demand = 0, capacity = 0;
    for (const auto& in : info_)
      if (!in.svc->global) demand += in.svc->resources.memory_reservation * in.svc->replicas;
    for (ServerId s = 0; s < estate_.servers.size(); ++s) capacity += state_.free_memory(s);
    const bool roomy = demand * 10 <= capacity * 8;
    for (auto& in : info_) {
      const auto& s = *in.svc;
      int phase = 3;
      if (s.category == model::Category::database || s.category == model::Category::cache ||
          s.category == model::Category::storage)
        phase = 0;
      else if (is_spiky(s))
        phase = 1;
      else if (is_production_workload(s))
        phase = 2;
      else if (is_monitoring(s))
        phase = 4;
      if (s.tier != model::Tier::production) phase = 5;
      in.phase = (in.restricted ? 0 : 10) + (roomy ? phase : 0);
    }
    std::vector<Replica> out;
    for (size_t i = 0; i < info_.size(); ++i)
      if (!info_[i].svc->global)
        for (int r = 0; r < info_[i].svc->replicas; ++r) out.push_back({i, r});
    std::stable_sort(out.begin(), out.end(), [&](const Replica& a, const Replica& b) {
      const auto& x = info_[a.service];
      const auto& y = info_[b.service];
      if (x.phase != y.phase) return x.phase < y.phase;
      if (x.svc->resources.memory_reservation != y.svc->resources.memory_reservation)
        return x.svc->resources.memory_reservation > y.svc->resources.memory_reservation;
      return x.svc->resources.cpu_reservation > y.svc->resources.cpu_reservation;
    });
    return out;
  }

  // `reindex_now` false leaves the free-capacity indexes as they were: improve() takes a replica out and
  // mostly puts it back on the same server, and then the indexes need no update at all.
  void place(size_t service, ServerId s, bool reindex_now = true) {
    state_.add(*info_[service].svc, s);
    if (reindex_now) reindex(s);
    placed_[service].push_back(s);
  }

  void unplace(size_t service, ServerId s, bool reindex_now = true) {
    state_.remove(*info_[service].svc, s);
    if (reindex_now) reindex(s);
    auto& v = placed_[service];
    v.erase(std::find(v.begin(), v.end(), s));
  }

  // Moves server s to its current free memory and CPU in the indexes (no-op when unchanged).
  void reindex(ServerId s) {
    if (memory_pos_[s]->first != state_.free_memory(s)) {
      free_index_.erase(memory_pos_[s]);
      memory_pos_[s] = free_index_.insert({state_.free_memory(s), s}).first;
    }
    if (!cpu_is_stale_[s]) cpu_is_stale_[s] = true, cpu_stale_.push_back(s);
  }

  const std::set<std::pair<model::MilliCpu, ServerId>>& cpu_index() {
    for (ServerId s : cpu_stale_) {
      cpu_is_stale_[s] = false;
      if (cpu_pos_[s]->first == state_.free_cpu(s)) continue;
      free_cpu_index_.erase(cpu_pos_[s]);
      cpu_pos_[s] = free_cpu_index_.insert({state_.free_cpu(s), s}).first;
    }
    cpu_stale_.clear();
    return free_cpu_index_;
  }

  // A bounded set of servers worth scoring: the preferred few (partners' servers, the biggest, the
  // strongest, the weak ones) plus K feasible servers from the free-capacity index; every server only
  // when none of those fits, so a feasible server is never missed.
  std::vector<ServerId> candidates(size_t service) {
    const auto& in = info_[service];
    const auto& svc = *in.svc;
    std::vector<ServerId> out;
    if (++current_stamp_ == 0) std::fill(stamp_.begin(), stamp_.end(), 0), current_stamp_ = 1;
    auto consider = [&](ServerId s) {
      if (stamp_[s] == current_stamp_) return false;
      stamp_[s] = current_stamp_;
      if (keep_servers_ && state_.load(s).total == 0) return false;
      if (!state_.fits(svc, s)) return false;
      out.push_back(s);
      return true;
    };
    if (in.restricted) {
      for (ServerId s : in.eligible) consider(s);
      return out;
    }
    for (size_t p : in.partners) {
      const auto& where = placed_[p];
      for (size_t k = 0; k < where.size() && k < 3; ++k) consider(where[k]);
    }
    for (ServerId s : by_memory_) consider(s);
    for (ServerId s : by_cpu_) consider(s);
    for (ServerId s : weak_) consider(s);
    const int want = std::max(1, options_.candidates);
    int taken = 0, looked = 0;
    const int look_limit = want + 64;
    if (options_.strategy == Strategy::pack) {
      // Tightest servers already in use first (best fit); a new server only when none has room, and then
      // the one with the most room (the fallbacks below), so fewer servers end up in use.
      for (auto it = free_index_.lower_bound({svc.resources.memory_reservation, 0});
           it != free_index_.end() && taken < want && looked < 2 * look_limit; ++it, ++looked)
        if (state_.load(it->second).total > 0) taken += consider(it->second);
      if (out.empty())
        for (auto it = free_index_.rbegin(); it != free_index_.rend() && taken < want && looked < look_limit;
             ++it, ++looked)
          taken += consider(it->second);
    } else {
      for (auto it = free_index_.rbegin(); it != free_index_.rend() && taken < want && looked < look_limit;
           ++it, ++looked)
        taken += consider(it->second);
    }
    if (out.empty()) {  // memory-rich servers may be out of CPU: try the CPU-richest ones
      looked = 0;
      const auto& by_cpu = cpu_index();
      for (auto it = by_cpu.rbegin(); it != by_cpu.rend() && out.empty() && looked < look_limit;
           ++it, ++looked)
        consider(it->second);
    }
    // The last resort scans every server, but scores no more than `want` of them (pack's improvement,
    // which keeps the servers in use, leaves the replica where it is instead).
    if (out.empty() && !keep_servers_)
      for (ServerId s = 0; s < estate_.servers.size() && static_cast<int>(out.size()) < want; ++s)
        consider(s);
    return out;
  }

  double score_on(size_t service, ServerId s) const {
    double total = 0;
    for (const auto* sc : info_[service].scorers)
      total += sc->weight() * sc->score(*info_[service].svc, server(s), state_.load(s), ctx());
    return total;
  }

  std::optional<ServerId> choose(size_t service, std::optional<ServerId> current) {
    std::optional<ServerId> best;
    double best_score = 0;
    for (ServerId s : candidates(service)) {
      double sc = score_on(service, s);
      // Deterministic: a higher score wins; on a tie the current server stays, then the lower index.
      bool better = !best || sc > best_score + 1e-9 ||
                    (sc > best_score - 1e-9 && (s == current || (*best != current && s < *best)));
      if (better) best = s, best_score = sc;
    }
    return best;
  }

  // pack: the fewest servers first (pack.hpp), then the soft rules choose among those servers.
  bool pack_fewest(const std::vector<Replica>& replicas) {
    std::vector<const model::Service*> list;
    list.reserve(replicas.size());
    for (const auto& r : replicas) list.push_back(info_[r.service].svc);
    PackOptions o;
    o.search_budget = options_.pack_search_budget;
    auto packed = pack_fewest_servers(state_, list, o);
    if (!packed) return false;
    for (size_t i = 0; i < replicas.size(); ++i) place(replicas[i].service, packed->server[i]);
    keep_servers_ = true;
    return true;
  }

  // Local improvement: take each replica out and put it back on the best candidate, which now sees
  // every other replica (monitoring sees where production ended up, partners see each other).
  void improve(const std::vector<Replica>& replicas) {
    // Bounded: one round on very large estates keeps 100k replicas within about a second.
    const int rounds =
        replicas.size() > 20000 ? std::min(1, options_.improvement_rounds) : options_.improvement_rounds;
    for (int round = 0; round < rounds; ++round) {
      bool moved = false;
      for (const auto& r : replicas) {
        auto& where = placed_[r.service];
        if (where.empty()) continue;
        const ServerId from = where[static_cast<size_t>(r.index) % where.size()];
        // The indexes still rank `from` with this replica on it while the candidates are chosen.
        unplace(r.service, from, false);
        auto to = choose(r.service, from);
        ServerId target = to.value_or(from);
        place(r.service, target, false);
        if (target != from) reindex(from), reindex(target), moved = true;
      }
      if (options_.strategy == Strategy::pack) moved = empty_light_servers() || moved;
      if (!moved) break;
    }
  }

  // pack: try to empty the lightest used servers onto the other used ones (fewer servers in use).
  bool empty_light_servers() {
    std::vector<ServerId> used;
    for (ServerId s = 0; s < estate_.servers.size(); ++s)
      if (state_.load(s).total > 0) used.push_back(s);
    std::sort(used.begin(), used.end(), [&](ServerId a, ServerId b) {
      return state_.load(a).memory != state_.load(b).memory ? state_.load(a).memory < state_.load(b).memory
                                                            : a < b;
    });
    bool any = false;
    const size_t tries = std::min<size_t>(used.size(), 16);
    for (size_t t = 0; t < tries; ++t) {
      const ServerId victim = used[t];
      std::vector<std::pair<size_t, ServerId>> moves;  // (service, to)
      std::vector<std::pair<size_t, int>> residents;
      for (const auto& [idx, count] : state_.load(victim).replicas)
        if (!info_[idx].svc->global) residents.push_back({idx, count});
      bool ok = true;
      for (auto [idx, count] : residents) {
        for (int c = 0; c < count && ok; ++c) {
          unplace(idx, victim);
          std::optional<ServerId> to;
          const auto need = info_[idx].svc->resources.memory_reservation;
          int looked = 0;
          for (auto it = free_index_.lower_bound({need, 0}); it != free_index_.end() && looked < 256;
               ++it, ++looked)
            if (it->second != victim && state_.load(it->second).total > 0 &&
                state_.fits(*info_[idx].svc, it->second)) {
              to = it->second;
              break;
            }
          if (!to) {
            place(idx, victim);
            ok = false;
            break;
          }
          place(idx, *to);
          moves.push_back({idx, *to});
        }
        if (!ok) break;
      }
      if (!ok) {  // undo: the server stays in use
        for (auto it = moves.rbegin(); it != moves.rend(); ++it) {
          unplace(it->first, it->second);
          place(it->first, victim);
        }
        continue;
      }
      any = any || !moves.empty();
    }
    return any;
  }

  // Greedy found no server for a replica. On small estates an exact depth-first search decides; it
  // replaces the greedy placement when it finds one.
  bool exhaustive_search(const std::vector<Replica>& replicas) {
    if (replicas.size() > 40 || estate_.servers.size() > 12) return false;
    for (size_t i = 0; i < placed_.size(); ++i)
      if (!info_[i].svc->global)
        while (!placed_[i].empty()) unplace(i, placed_[i].back());
    long budget = options_.search_budget;
    std::vector<ServerId> chosen(replicas.size());
    auto dfs = [&](auto&& self, size_t k) -> bool {
      if (k == replicas.size()) return true;
      if (--budget < 0) return false;
      const size_t svc = replicas[k].service;
      for (ServerId s = 0; s < estate_.servers.size(); ++s) {
        if (!state_.fits(*info_[svc].svc, s)) continue;
        place(svc, s);
        if (self(self, k + 1)) return true;
        unplace(svc, s);
        if (budget < 0) return false;
      }
      return false;
    };
    if (dfs(dfs, 0)) return true;
    // Not found: restore nothing (the failure is explained from an empty-ish state below).
    for (size_t i = 0; i < placed_.size(); ++i)
      if (!info_[i].svc->global)
        while (!placed_[i].empty()) unplace(i, placed_[i].back());
    greedy_until_failure(replicas);
    return false;
  }

  void greedy_until_failure(const std::vector<Replica>& replicas) {
    for (const auto& r : replicas) {
      auto best = choose(r.service, std::nullopt);
      if (!best) return;
      place(r.service, *best);
    }
  }

  Infeasibility explain_failure(const Replica& r) {
    const auto& svc = *info_[r.service].svc;
    Infeasibility f;
    f.service = svc.name;
    f.replica = r.index;
    f.needed_memory = svc.resources.memory_reservation;
    std::vector<std::string> other_reasons;
    std::optional<ServerId> closest;
    model::Bytes best_short = 0;
    for (ServerId s = 0; s < estate_.servers.size(); ++s) {
      // Would it fit if memory and CPU were no object?
      std::optional<std::string> blocker;
      for (const auto& rule : default_feasibility_rules()) {
        if (rule->name() == "memory" || rule->name() == "cpu") continue;
        if ((blocker = rule->check(svc, server(s), state_.load(s), ctx()))) break;
      }
      if (blocker) {
        if (other_reasons.size() < 3) other_reasons.push_back(server(s).name + ": " + *blocker);
        continue;
      }
      model::Bytes mem_short = std::max<model::Bytes>(0, f.needed_memory - state_.free_memory(s));
      model::MilliCpu cpu_short =
          std::max<model::MilliCpu>(0, svc.resources.cpu_reservation - state_.free_cpu(s));
      // Rank by memory shortfall, then CPU shortfall scaled to a comparable unit (1 thread ~ 1 GiB).
      model::Bytes shortfall = mem_short + cpu_short * (model::GiB / 1000);
      if (!closest || shortfall < best_short) closest = s, best_short = shortfall;
    }
    const std::string who = svc.replicas > 1
                                ? fmt::format("{} (replica {} of {})", svc.name, r.index + 1, svc.replicas)
                                : svc.name;
    if (!closest) {
      f.message = fmt::format("{} cannot run on any server: {}", who, fmt::join(other_reasons, "; "));
      return f;
    }
    const ServerId s = *closest;
    f.closest_server = server(s).name;
    f.free_memory = std::max<model::Bytes>(0, state_.free_memory(s));
    f.short_by = std::max<model::Bytes>(0, f.needed_memory - f.free_memory);
    if (f.short_by > 0) {
      f.message = fmt::format("{} needs {}; closest: {} with {} free after {:.0f}% headroom, short by {}",
                              who, model::format_bytes(f.needed_memory), f.closest_server,
                              model::format_bytes(f.free_memory), ctx().headroom * 100,
                              model::format_bytes(f.short_by));
    } else {
      const auto free_cpu = std::max<model::MilliCpu>(0, state_.free_cpu(s));
      f.message = fmt::format(
          "{} needs {} CPU; closest: {} with {} CPU free after {:.0f}% headroom, short by {}", who,
          model::format_cpu(svc.resources.cpu_reservation), f.closest_server, model::format_cpu(free_cpu),
          ctx().headroom * 100, model::format_cpu(svc.resources.cpu_reservation - free_cpu));
    }
    return f;
  }

  Plan to_plan() const {
    Plan plan;
    plan.headroom = ctx().headroom;
    plan.estate_name = estate_.name;
    for (size_t i = 0; i < info_.size(); ++i) {
      std::vector<ServerId> where = placed_[i];
      std::sort(where.begin(), where.end());
      for (size_t r = 0; r < where.size(); ++r)
        plan.assignments.push_back({info_[i].svc->name, static_cast<int>(r), server(where[r]).name});
    }
    auto ev = evaluate_soft_rules(plan, scorers_, state_.loads(), ctx());
    plan.soft_rules = std::move(ev.outcomes);
    plan.score = ev.score;
    return plan;
  }
};

}  // namespace

SolveResult solve(const model::Estate& estate, const PlanOptions& options) {
  auto result = Solver(estate, options).run();
  if (!result.plan && options.strategy == Strategy::pack) {
    // Best fit can strand CPU on the memory-fullest servers where spreading would not: try balance.
    PlanOptions balance = options;
    balance.strategy = Strategy::balance;
    auto second = Solver(estate, balance).run();
    if (second.plan) return second;
  }
  return result;
}

InfeasibleError::InfeasibleError(Infeasibility why)
    : UserError(why.message,
                "free memory on that server, lower the reservations or the --headroom, or add a server",
                exit_code::findings),
      why_(std::move(why)) {}

Plan make_plan(const model::Estate& estate, const PlanOptions& options) {
  auto result = solve(estate, options);
  if (!result.plan) throw InfeasibleError(*result.failure);
  return std::move(*result.plan);
}

void annotate(Plan& plan, const model::Estate& estate, Strategy strategy) {
  PlacementState state(estate, plan.headroom, plan);
  auto ev = evaluate_soft_rules(plan, default_scorers(strategy), state.loads(), state.context());
  plan.soft_rules = std::move(ev.outcomes);
  plan.score = ev.score;
}

}  // namespace rehome::plan
