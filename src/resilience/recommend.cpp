#include "resilience/recommend.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

namespace rehome::resilience {
namespace {

int reliability_rank(model::Reliability r) {
  return r == model::Reliability::high ? 0 : r == model::Reliability::normal ? 1 : 2;
}

std::string join_servers(const Cluster& cluster, const std::vector<int>& ids) {
  std::string out;
  for (int n : ids) out += (out.empty() ? "" : ", ") + cluster.server(n).name;
  return out;
}

bool is_weak(const model::Server& s) {
  return s.hints.weak || s.hints.reliability == model::Reliability::low;
}

// The survivor with the most free memory (plan loads) that is not one of `exclude` and satisfies the
// service's label constraints (the pin is what the recommendation would change).
int roomiest_other(const Cluster& cluster, int s, const std::vector<int>& exclude,
                   bool require_labels = true) {
  int best = -1;
  model::Bytes best_free = 0;
  const auto& svc = cluster.service(s);
  for (int n = 0; n < cluster.server_count(); ++n) {
    if (std::find(exclude.begin(), exclude.end(), n) != exclude.end()) continue;
    bool labels_ok =
        !require_labels ||
        std::all_of(svc.placement.labels.begin(), svc.placement.labels.end(), [&](const auto& kv) {
          auto it = cluster.server(n).labels.find(kv.first);
          return it != cluster.server(n).labels.end() && it->second == kv.second;
        });
    if (!labels_ok) continue;
    model::Bytes free = cluster.memory_capacity(n) - cluster.memory_used(n);
    if (best < 0 || free > best_free) {
      best = n;
      best_free = free;
    }
  }
  return best;
}

std::string room_note(const Cluster& cluster, int n, model::Bytes need) {
  model::Bytes free = cluster.memory_capacity(n) - cluster.memory_used(n);
  if (free >= need) return fmt::format("{} free there", model::format_bytes(free));
  return fmt::format("only {} free there, it needs {}: free room first",
                     model::format_bytes(std::max<model::Bytes>(0, free)), model::format_bytes(need));
}

}  // namespace

std::vector<int> manager_candidates(const Cluster& cluster) {
  std::vector<int> ids(cluster.server_count());
  for (int n = 0; n < cluster.server_count(); ++n) ids[n] = n;
  std::stable_sort(ids.begin(), ids.end(), [&](int x, int y) {
    const auto &a = cluster.server(x), &b = cluster.server(y);
    auto key = [](const model::Server& s) {
      return std::make_tuple(reliability_rank(s.hints.reliability), s.hints.weak ? 1 : 0,
                             -s.hints.uptime_days.value_or(0), -s.memory);
    };
    return key(a) < key(b);
  });
  return ids;
}

std::vector<Recommendation> recommend_managers(const Cluster& cluster) {
  std::vector<Recommendation> out;
  const int n = cluster.server_count(), m = cluster.manager_count();
  const int want = n >= 7 ? 5 : n >= 3 ? 3 : 1;
  auto ranked = manager_candidates(cluster);
  std::vector<int> best(ranked.begin(), ranked.begin() + std::min(want, n));
  std::vector<int> current;
  for (int i = 0; i < n; ++i)
    if (cluster.is_manager(i)) current.push_back(i);

  if (m == 0) {
    out.push_back({"managers", "",
                   fmt::format("no server has role: manager; make {} managers: {}", want,
                               join_servers(cluster, best))});
    return out;
  }
  if (m % 2 == 0)
    out.push_back({"managers", "",
                   fmt::format("{} managers tolerate {} failure(s), no more than {}: use {} (an even count "
                               "only adds a server whose loss can cost the majority)",
                               m, tolerated_failures(m), m - 1, m + 1 <= n ? m + 1 : m - 1)});
  if (m < want)
    out.push_back({"managers", "",
                   fmt::format("{} manager(s) tolerate {} failure(s); with {} servers use {} managers "
                               "(tolerate {}): {}",
                               m, tolerated_failures(m), n, want, tolerated_failures(want),
                               join_servers(cluster, best))});
  for (int c : current) {
    if (!is_weak(cluster.server(c))) continue;
    auto it = std::find_if(ranked.begin(), ranked.end(),
                           [&](int r) { return !cluster.is_manager(r) && !is_weak(cluster.server(r)); });
    const auto& srv = cluster.server(c);
    std::string why = srv.hints.weak ? "weak hardware" : "low reliability";
    if (it != ranked.end())
      out.push_back({"managers", srv.name,
                     fmt::format("{} is a manager but has {}: give the manager role to {} instead", srv.name,
                                 why, cluster.server(*it).name)});
    else
      out.push_back({"managers", srv.name,
                     fmt::format("{} is a manager but has {}; no sturdier server is free for the role",
                                 srv.name, why)});
  }
  if (out.empty())
    out.push_back({"managers", "",
                   fmt::format("{} managers ({}) tolerate {} failure(s): keep them", m,
                               join_servers(cluster, current), tolerated_failures(m))});
  return out;
}

std::vector<Recommendation> recommend_for_stranded(const Cluster& cluster,
                                                   const std::vector<FailureResult>& failures) {
  std::vector<Recommendation> out;
  std::set<std::pair<std::string, StrandReason>> done;
  std::map<std::string, std::vector<std::string>> files_by_server;  // volumes that are not a database
  for (const auto& f : failures) {
    for (const auto& so : f.services) {
      for (const auto& ro : so.replicas) {
        if (ro.fate != ReplicaFate::stranded || ro.reason == StrandReason::no_quorum) continue;
        if (!done.insert({so.service, ro.reason}).second) continue;
        const int s = cluster.service_id(so.service);
        const auto& svc = cluster.service(s);
        const auto& home = cluster.servers_of(s);
        const model::Bytes need = svc.resources.memory_reservation;
        switch (ro.reason) {
          case StrandReason::local_state: {
            if (svc.data && svc.data->replica_of) {
              out.push_back(
                  {"stateful", so.service,
                   fmt::format("{} is a streaming replica of {}: losing it loses no data; re-create it "
                               "from {} on another server",
                               so.service, *svc.data->replica_of, *svc.data->replica_of)});
              break;
            }
            const auto& reps = cluster.replicas_of(s);
            if (!reps.empty()) {
              const auto& rep = cluster.service(reps.front());
              std::string on = cluster.servers_of(reps.front()).empty()
                                   ? std::string{"(not placed)"}
                                   : cluster.server(cluster.servers_of(reps.front()).front()).name;
              out.push_back(
                  {"stateful", so.service,
                   fmt::format("{} keeps its data on {}'s local disk; its streaming replica {} on {} "
                               "can be promoted (manual, minutes), or automate with Patroni",
                               so.service, ro.from, rep.name, on)});
              break;
            }
            int n = roomiest_other(cluster, s, home);
            std::string engine = svc.data ? svc.data->engine : "";
            bool streams = engine == "postgres" || engine == "mariadb" || engine == "mysql" ||
                           engine == "redis" || engine == "mongo";
            std::string where =
                n >= 0 ? fmt::format(" on {} ({})", cluster.server(n).name, room_note(cluster, n, need)) : "";
            if (streams)
              out.push_back({"stateful", so.service,
                             fmt::format("move {} data to shared storage or add a streaming replica{}",
                                         so.service, where)});
            else
              files_by_server[ro.from].push_back(fmt::format("{} ({})", so.service, local_volume_of(svc)));
            break;
          }
          case StrandReason::pinned: {
            int n = roomiest_other(cluster, s, home);
            out.push_back({"pinned", so.service,
                           n >= 0
                               ? fmt::format("{} is pinned by hostname to {}: allow {} too ({})", so.service,
                                             ro.from, cluster.server(n).name, room_note(cluster, n, need))
                               : fmt::format("{} is pinned by hostname: remove the pin", so.service)});
            break;
          }
          case StrandReason::constraint: {
            std::string labels;
            for (const auto& [k, v] : svc.placement.labels)
              labels += fmt::format("{}{}={}", labels.empty() ? "" : ",", k, v);
            int other = roomiest_other(cluster, s, home, false);
            out.push_back({"constraint", so.service,
                           other >= 0
                               ? fmt::format("only lost servers carry {}: label {} too "
                                             "(docker node update --label-add {} {}; {})",
                                             labels, cluster.server(other).name, labels,
                                             cluster.server(other).name, room_note(cluster, other, need))
                               : fmt::format("only lost servers carry {}: label another server", labels)});
            break;
          }
          case StrandReason::spread:
            out.push_back({"spread", so.service,
                           fmt::format("{} wants {} replicas spread one per server; after {} there are not "
                                       "enough servers: allow 2 per node or add a server",
                                       so.service, so.desired, f.scenario.name())});
            break;
          case StrandReason::no_room: {
            std::string amount = ro.memory_short > 0 ? model::format_bytes(ro.memory_short) + " memory"
                                                     : model::format_cpu(ro.cpu_short) + " CPU";
            out.push_back(
                {"capacity", so.service,
                 fmt::format("after {}, {} finds no room: free {} on {} (or lower its reservation of {})",
                             f.scenario.name(), so.service, amount, ro.best_candidate,
                             model::format_bytes(need))});
            break;
          }
          default:
            break;
        }
      }
    }
  }
  for (const auto& [server, items] : files_by_server) {
    std::string list;
    for (const auto& i : items) list += (list.empty() ? "" : ", ") + i;
    out.push_back(
        {"stateful", server,
         fmt::format("on {}, these keep files on local volumes and stay down with it: {}. Put those "
                     "volumes on shared storage (NFS) if they must survive the server, or accept "
                     "downtime until it returns",
                     server, list)});
  }
  return out;
}

}  // namespace rehome::resilience
