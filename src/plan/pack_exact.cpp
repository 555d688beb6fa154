#include "plan/pack_exact.hpp"

#include <algorithm>

namespace rehome::plan {
namespace {

using ServerId = std::uint32_t;
using model::Bytes;
using model::MilliCpu;

// The replicas to place, counted per service, biggest first by memory * wm + CPU * wc.
struct Type {
  const model::Service* svc;
  Bytes memory;
  MilliCpu cpu;
  int left;                             // replicas not placed yet
  std::vector<std::uint32_t> replicas;  // their positions in the caller's list
};

std::vector<Type> types_of(const std::vector<const model::Service*>& replicas, double wm, double wc) {
  std::vector<Type> types;
  for (std::uint32_t i = 0; i < replicas.size(); ++i) {
    const auto* s = replicas[i];
    auto it = std::find_if(types.begin(), types.end(), [&](const Type& t) { return t.svc == s; });
    if (it == types.end())
      types.push_back({s, s->resources.memory_reservation, s->resources.cpu_reservation, 0, {}}),
          it = types.end() - 1;
    ++it->left;
    it->replicas.push_back(i);
  }
  auto size = [&](const Type& t) {
    return static_cast<double>(t.memory) * wm + static_cast<double>(t.cpu) * wc;
  };
  std::stable_sort(types.begin(), types.end(),
                   [&](const Type& a, const Type& b) { return size(a) > size(b); });
  return types;
}

// Servers the hard rules cannot tell apart for these replicas: the same room, and no rule reads a server
// attribute in which they differ (FeasibilityRule::tells_apart).
class Alike {
 public:
  Alike(const PlacementState& st, const std::vector<const model::Service*>& replicas)
      : st_(st), replicas_(replicas) {}
  bool operator()(ServerId a, ServerId b) const {
    if (st_.free_memory(a) != st_.free_memory(b) || st_.free_cpu(a) != st_.free_cpu(b)) return false;
    const auto& servers = st_.context().estate.servers;
    return std::none_of(st_.rules().begin(), st_.rules().end(), [&](const auto& rule) {
      return rule->tells_apart(servers[a], servers[b], replicas_);
    });
  }

 private:
  const PlacementState& st_;
  const std::vector<const model::Service*>& replicas_;
};

// Fills the chosen servers one after another (see pack_exact.hpp). `placed_` records every replica
// added, so a success can be read back and everything undone.
class BinCompletion {
 public:
  BinCompletion(PlacementState& st, std::vector<Type>& types, const Alike& alike, long& budget)
      : st_(st), types_(types), alike_(alike), budget_(budget) {}

  // True when `bins` hold every replica; the placement stays in `state` until undo().
  bool solve(const std::vector<ServerId>& bins) {
    bins_ = bins;
    Bytes memory = 0;
    MilliCpu cpu = 0;
    for (const auto& t : types_) memory += t.memory * t.left, cpu += t.cpu * t.left;
    allow_memory_ = -memory, allow_cpu_ = -cpu;
    for (ServerId s : bins) allow_memory_ += st_.free_memory(s), allow_cpu_ += st_.free_cpu(s);
    if (allow_memory_ < 0 || allow_cpu_ < 0 || bins.empty()) return false;
    // Two empty servers alike in a row: the first holds the lexically larger replica counts (swapping
    // their contents gives the same placement), so the second is filled within the first's counts.
    twin_.assign(bins.size(), 0);
    for (size_t b = 1; b < bins.size(); ++b)
      twin_[b] =
          st_.load(bins[b]).total == 0 && st_.load(bins[b - 1]).total == 0 && alike_(bins[b - 1], bins[b]);
    counts_.assign(bins.size(), std::vector<int>(types_.size(), 0));
    return bins.size() == 1 ? last(0) : fill(0, 0, 0, 0, twin_[0]);
  }

  // (type, server) of every replica placed.
  std::vector<std::pair<std::uint32_t, ServerId>> placed() const {
    std::vector<std::pair<std::uint32_t, ServerId>> out;
    for (const auto& [t, b] : placed_) out.push_back({t, bins_[b]});
    return out;
  }

  void undo() {
    while (!placed_.empty()) take_back();
  }

 private:
  void put(std::uint32_t t, size_t b) {
    st_.add(*types_[t].svc, bins_[b]);
    --types_[t].left;
    ++counts_[b][t];
    placed_.push_back({t, b});
  }
  void take_back() {
    const auto [t, b] = placed_.back();
    placed_.pop_back();
    st_.remove(*types_[t].svc, bins_[b]);
    ++types_[t].left;
    --counts_[b][t];
  }

  // Server b gets replicas of types t.. ; `waste_*` is the room left unused on the servers closed so far;
  // `tight`: server b is the twin of b - 1 and has had the same counts so far.
  bool fill(size_t b, size_t t, Bytes waste_memory, MilliCpu waste_cpu, bool tight) {
    if (--budget_ < 0) return false;
    for (; t < types_.size() && types_[t].left == 0; ++t) tight = tight && counts_[b - 1][t] == 0;
    if (t == types_.size()) return close(b, waste_memory, waste_cpu);
    // Even every remaining replica of types t.. would leave too much of this server unused: prune.
    Bytes rest_memory = 0;
    MilliCpu rest_cpu = 0;
    for (size_t u = t; u < types_.size(); ++u)
      rest_memory += types_[u].memory * types_[u].left, rest_cpu += types_[u].cpu * types_[u].left;
    const ServerId s = bins_[b];
    if (waste_memory + std::max<Bytes>(0, st_.free_memory(s) - rest_memory) > allow_memory_ ||
        waste_cpu + std::max<MilliCpu>(0, st_.free_cpu(s) - rest_cpu) > allow_cpu_)
      return false;
    const auto ti = static_cast<std::uint32_t>(t);
    const int most = tight ? counts_[b - 1][t] : types_[t].left;
    int n = 0;
    while (n < most && types_[t].left > 0 && st_.fits(*types_[t].svc, s)) put(ti, b), ++n;
    for (int c = n;; --c) {  // as many as fit first, then one fewer each time
      if (fill(b, t + 1, waste_memory, waste_cpu, tight && c == most)) return true;
      if (c == 0) return false;
      take_back();
      if (budget_ < 0) {
        for (int k = 1; k < c; ++k) take_back();
        return false;
      }
    }
  }

  // Server b is done: it must be maximal and leave no more room unused than the allowance.
  bool close(size_t b, Bytes waste_memory, MilliCpu waste_cpu) {
    const ServerId s = bins_[b];
    waste_memory += st_.free_memory(s);
    waste_cpu += st_.free_cpu(s);
    if (waste_memory > allow_memory_ || waste_cpu > allow_cpu_) return false;
    for (const auto& t : types_)
      if (t.left > 0 && st_.fits(*t.svc, s)) return false;
    return b + 2 == bins_.size() ? last(b + 1) : fill(b + 1, 0, waste_memory, waste_cpu, twin_[b + 1]);
  }

  // The last server takes everything left, or the branch fails.
  bool last(size_t b) {
    const size_t mark = placed_.size();
    for (std::uint32_t t = 0; t < types_.size(); ++t)
      while (types_[t].left > 0) {
        if (!st_.fits(*types_[t].svc, bins_[b])) {
          while (placed_.size() > mark) take_back();
          return false;
        }
        put(t, b);
      }
    return true;
  }

  PlacementState& st_;
  std::vector<Type>& types_;
  const Alike& alike_;
  long& budget_;
  std::vector<ServerId> bins_;
  std::vector<char> twin_;                // per server: the twin of the one before
  std::vector<std::vector<int>> counts_;  // per server and type: replicas placed
  Bytes allow_memory_ = 0;
  MilliCpu allow_cpu_ = 0;
  std::vector<std::pair<std::uint32_t, ServerId>> placed_;
};

// Choices of `k` servers not in use (as counts per kind of server) whose room covers `need_*` (the
// demand less the room of the servers in use) in both dimensions, at most `limit`, the roomiest first
// (room weighed against the demand, `memory` and `cpu`).
std::vector<std::vector<ServerId>> server_choices(const PlacementState& st,
                                                  const std::vector<ServerId>& unused, const Alike& alike,
                                                  int k, Bytes memory, MilliCpu cpu, Bytes need_memory,
                                                  MilliCpu need_cpu, size_t limit) {
  std::vector<std::vector<ServerId>> kinds;  // interchangeable servers, roomiest kind first
  for (ServerId s : unused) {
    auto it = std::find_if(kinds.begin(), kinds.end(), [&](const auto& kind) { return alike(kind[0], s); });
    if (it == kinds.end())
      kinds.push_back({s});
    else
      it->push_back(s);
  }
  auto room = [&](ServerId s) {
    return static_cast<double>(st.free_memory(s)) / std::max<double>(1, static_cast<double>(memory)) +
           static_cast<double>(st.free_cpu(s)) / std::max<double>(1, static_cast<double>(cpu));
  };
  std::stable_sort(kinds.begin(), kinds.end(),
                   [&](const auto& a, const auto& b) { return room(a[0]) > room(b[0]); });
  std::vector<std::vector<ServerId>> out;
  std::vector<ServerId> chosen;
  // The most room the servers of kinds from..end could add with `n` more servers, per dimension.
  auto best_room = [&](size_t from, int n, auto free) {
    std::vector<decltype(free(0u))> v;
    for (size_t i = from; i < kinds.size(); ++i)
      for (ServerId s : kinds[i]) v.push_back(free(s));
    std::sort(v.rbegin(), v.rend());
    decltype(free(0u)) sum = 0;
    for (int i = 0; i < n && i < static_cast<int>(v.size()); ++i) sum += v[static_cast<size_t>(i)];
    return sum;
  };
  auto free_memory = [&](ServerId s) { return st.free_memory(s); };
  auto free_cpu = [&](ServerId s) { return st.free_cpu(s); };
  auto pick = [&](auto&& self, size_t i, int n, Bytes need_memory, MilliCpu need_cpu) -> void {
    if (out.size() >= limit) return;
    if (n == 0) {
      if (need_memory <= 0 && need_cpu <= 0) out.push_back(chosen);
      return;
    }
    if (i == kinds.size() || best_room(i, n, free_memory) < need_memory ||
        best_room(i, n, free_cpu) < need_cpu)
      return;
    const int most = std::min<int>(n, static_cast<int>(kinds[i].size()));
    for (int c = most; c >= 0; --c) {
      Bytes m = need_memory;
      MilliCpu p = need_cpu;
      for (int j = 0; j < c; ++j) {
        chosen.push_back(kinds[i][static_cast<size_t>(j)]);
        m -= st.free_memory(kinds[i][static_cast<size_t>(j)]);
        p -= st.free_cpu(kinds[i][static_cast<size_t>(j)]);
      }
      self(self, i + 1, n - c, m, p);
      chosen.resize(chosen.size() - static_cast<size_t>(c));
    }
  };
  pick(pick, 0, k, need_memory, need_cpu);
  std::stable_sort(out.begin(), out.end(), [&](const auto& a, const auto& b) {
    double ra = 0, rb = 0;
    for (ServerId s : a) ra += room(s);
    for (ServerId s : b) rb += room(s);
    return ra > rb;
  });
  return out;
}

}  // namespace

std::optional<ExactPackResult> pack_exact(PlacementState& st,
                                          const std::vector<const model::Service*>& replicas, int best,
                                          int lower_bound, long budget) {
  Bytes memory = 0;
  MilliCpu cpu = 0;
  for (const auto* r : replicas)
    memory += r->resources.memory_reservation, cpu += r->resources.cpu_reservation;
  std::vector<ServerId> used, unused;
  for (ServerId s = 0; s < st.loads().size(); ++s) (st.load(s).total > 0 ? used : unused).push_back(s);
  const Alike alike(st, replicas);
  // The servers in use hold part of the demand whatever the choice.
  Bytes need_memory = memory;
  MilliCpu need_cpu = cpu;
  for (ServerId s : used) need_memory -= st.free_memory(s), need_cpu -= st.free_cpu(s);
  auto inverse = [](auto x) { return 1.0 / (1.0 + static_cast<double>(x)); };
  for (int k = std::max(lower_bound, static_cast<int>(used.size())); k < best && budget > 0; ++k) {
    // Arms: each choice of servers with two orders of the replicas, biggest first by demand-weighted
    // size or by the size weighed against the choice's spare room (the scarcer dimension first).
    struct Arm {
      std::vector<ServerId> bins;
      std::vector<Type> types;
      bool open = true;
    };
    std::vector<Arm> arms;
    for (auto& bins : server_choices(st, unused, alike, k - static_cast<int>(used.size()), memory, cpu,
                                     need_memory, need_cpu, 32)) {
      bins.insert(bins.begin(), used.begin(), used.end());
      std::stable_sort(bins.begin(), bins.end(),
                       [&](ServerId a, ServerId b) { return st.free_memory(a) > st.free_memory(b); });
      Bytes spare_memory = -memory;
      MilliCpu spare_cpu = -cpu;
      for (ServerId s : bins) spare_memory += st.free_memory(s), spare_cpu += st.free_cpu(s);
      arms.push_back({bins, types_of(replicas, inverse(memory), inverse(cpu))});
      arms.push_back({bins, types_of(replicas, inverse(spare_memory), inverse(spare_cpu))});
    }
    // Rounds of growing step limits over the arms still open, so an easy arm is found early and a hard
    // one cannot starve the others; a search that ends within its limit proves its choice too small.
    auto is_open = [](const Arm& a) { return a.open; };
    for (long limit = 1024; budget > 0 && std::any_of(arms.begin(), arms.end(), is_open); limit *= 4) {
      for (auto& arm : arms) {
        if (!arm.open || budget <= 0) continue;
        long steps = std::min(limit, budget);
        const long given = steps;
        BinCompletion search(st, arm.types, alike, steps);
        const bool found = search.solve(arm.bins);
        budget -= given - std::max(0L, steps);
        if (steps >= 0) arm.open = false;  // searched to the end
        if (!found) continue;
        ExactPackResult r;
        r.server.resize(replicas.size());
        std::vector<size_t> next(arm.types.size(), 0);
        for (const auto& [t, s] : search.placed()) r.server[arm.types[t].replicas[next[t]++]] = s;
        for (const auto& l : st.loads()) r.servers_used += l.total > 0;
        search.undo();
        return r;
      }
    }
  }
  return std::nullopt;
}

std::optional<ExactPackResult> place_exact(PlacementState& st,
                                           const std::vector<const model::Service*>& replicas, long budget) {
  const int all = static_cast<int>(st.loads().size());
  return pack_exact(st, replicas, all + 1, all, budget);
}

}  // namespace rehome::plan
