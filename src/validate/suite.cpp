#include "validate/suite.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/secrets.hpp"
#include "validate/probes.hpp"

namespace rehome::validate {
namespace {

bool has(const std::vector<Endpoint>& v, const std::string& name) {
  return std::any_of(v.begin(), v.end(), [&](const Endpoint& e) { return e.name == name; });
}

ProbeResult database_probe(const Endpoint& e, const Targets& t,
                           const std::map<std::string, std::string>& env) {
  std::string url = expand_variables(e.url, env);
  bool redis = url.rfind("redis://", 0) == 0;
  bool mariadb = url.rfind("mariadb://", 0) == 0 || url.rfind("mysql://", 0) == 0;
  Measurement m = redis     ? redis_ping(url, t.timeout_ms)
                  : mariadb ? mariadb_query(url, e.query, t.timeout_ms)
                            : postgres_query(url, e.query, t.timeout_ms);
  ProbeResult r{Area::databases, e.name + (redis ? " ping" : " query"), Outcome::failed, m.error,
                std::nullopt};
  if (!m.ok) return r;
  r.measured_ms = m.ms;
  r.outcome = latency_outcome(m.ms, t.query_latency_target_ms);
  r.reason = fmt::format("{} in {:.1f} ms (target < {:.0f} ms)", redis ? "PING" : "query", m.ms,
                         t.query_latency_target_ms);
  return r;
}

ProbeResult health_probe(Area area, const Endpoint& e, const Targets& t,
                         const std::map<std::string, std::string>& env, bool prometheus) {
  std::string url = expand_variables(e.url, env);
  if (prometheus) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    url += "/api/v1/targets?state=active";
  }
  ProbeResult r{area, e.name + (prometheus ? " targets" : " health"), Outcome::failed, "", std::nullopt};
  auto parsed = parse_http_url(url);
  if (!parsed) {
    r.outcome = Outcome::skipped;
    r.reason = fmt::format("{}: only http:// URLs are probed (use the service's address inside the cluster)",
                           mask_url(url));
    return r;
  }
  HttpResult h = http_get(*parsed, t.timeout_ms);
  if (!h.ok) {
    r.reason = h.error;
    return r;
  }
  r.measured_ms = h.ms;
  std::string why;
  r.outcome = prometheus ? prometheus_outcome(h.response.body, why)
                         : health_outcome(h.response.status, h.response.body, why);
  r.reason = fmt::format("{} ({:.1f} ms)", why, h.ms);
  return r;
}

ProbeResult network_probe(const Endpoint& e, const Targets& t) {
  auto hp = parse_host_port(e.url);
  Measurement m = tcp_connect(hp->first, hp->second, t.timeout_ms);
  ProbeResult r{Area::network, e.name + " reachable", Outcome::failed, m.error, std::nullopt};
  if (!m.ok) return r;
  r.measured_ms = m.ms;
  r.outcome = latency_outcome(m.ms, t.network_latency_target_ms);
  r.reason = fmt::format("TCP connect to {} in {:.1f} ms (target < {:.0f} ms)", e.url, m.ms,
                         t.network_latency_target_ms);
  return r;
}

ProbeResult closed_probe(const std::string& host_port, const Targets& t) {
  auto hp = parse_host_port(host_port);
  Measurement m = tcp_connect(hp->first, hp->second, std::min(t.timeout_ms, 2000));
  if (m.ok)
    return {Area::security, host_port + " closed", Outcome::failed, "the port accepts connections", m.ms};
  return {Area::security, host_port + " closed", Outcome::passed, "refused or filtered: " + m.error,
          std::nullopt};
}

ProbeResult localhost_only_probe(int port) {
  std::string tables = read_proc("/proc/net/tcp");
  auto addrs = listening_addresses(tables, port);
  auto v6 = listening_addresses(read_proc("/proc/net/tcp6"), port);
  addrs.insert(addrs.end(), v6.begin(), v6.end());
  std::string name = fmt::format("port {} localhost-only", port);
  if (addrs.empty())
    return {Area::security, name, Outcome::skipped, "nothing listens on it here", std::nullopt};
  std::vector<std::string> open;
  for (const auto& a : addrs)
    if (!is_loopback(a)) open.push_back(a);
  if (open.empty()) return {Area::security, name, Outcome::passed, "bound to loopback only", std::nullopt};
  std::string list;
  for (const auto& a : open) list += (list.empty() ? "" : ", ") + a;
  return {Area::security, name, Outcome::failed, "also listening on " + list, std::nullopt};
}

std::vector<ProbeResult> resource_probes(const Targets& t) {
  std::vector<ProbeResult> out;
  auto mem = memory_used_share(read_proc("/proc/meminfo"));
  if (!mem)
    out.push_back({Area::resources, "memory", Outcome::skipped, "/proc/meminfo unreadable", std::nullopt});
  else
    out.push_back({Area::resources, "memory", usage_outcome(*mem, t.memory_ceiling),
                   fmt::format("{:.1f}% in use (ceiling {:.0f}%)", *mem * 100, t.memory_ceiling * 100),
                   std::nullopt});
  for (const auto& [path, ceiling] : t.disks) {
    auto used = disk_used_share(path);
    if (!used)
      out.push_back({Area::resources, "disk " + path, Outcome::failed, "cannot stat " + path, std::nullopt});
    else
      out.push_back({Area::resources, "disk " + path, usage_outcome(*used, ceiling),
                     fmt::format("{:.1f}% used (ceiling {:.0f}%)", *used * 100, ceiling * 100),
                     std::nullopt});
  }
  return out;
}

}  // namespace

std::vector<ProbeResult> unprobed(const model::Estate& estate, const Targets& t) {
  std::vector<ProbeResult> out;
  std::string where = t.file.empty() ? "the targets file" : t.file;
  bool prometheus = false;
  for (const auto& s : estate.services) {
    if (s.image.find("prometheus") != std::string::npos && s.category == model::Category::monitoring)
      prometheus = true;
    if (s.data && !s.data->replica_of) {
      if (s.data->engine != "postgres" && s.data->engine != "redis" && s.data->engine != "mariadb" &&
          s.data->engine != "mysql") {
        if (s.data->engine != "files")
          out.push_back({Area::databases, s.name, Outcome::skipped,
                         s.data->engine + ": no built-in probe; check it by hand", std::nullopt});
      } else if (!has(t.databases, s.name)) {
        out.push_back({Area::databases, s.name, Outcome::skipped, "no target in " + where, std::nullopt});
      }
      continue;
    }
    using C = model::Category;
    bool exposes =
        s.healthcheck || std::any_of(s.ports.begin(), s.ports.end(), [](auto& p) { return p.published; });
    bool service_like = s.category != C::monitoring && s.category != C::logging &&
                        s.category != C::database && s.category != C::cache && s.category != C::backup;
    if (exposes && service_like && !has(t.services, s.name))
      out.push_back(
          {Area::services, s.name + " health", Outcome::skipped, "no target in " + where, std::nullopt});
  }
  if (prometheus && t.monitoring.empty())
    out.push_back(
        {Area::monitoring, "prometheus targets", Outcome::skipped, "no target in " + where, std::nullopt});
  for (const auto& server : estate.servers)
    if (!has(t.network, server.name))
      out.push_back({Area::network, server.name + " reachable", Outcome::skipped, "no target in " + where,
                     std::nullopt});
  return out;
}

std::optional<Area> parse_area(const std::string& key) {
  for (Area a : kAreas)
    if (area_key(a) == key) return a;
  return std::nullopt;
}

Suite run_suite(const model::Estate* estate, const Targets& all,
                const std::map<std::string, std::string>& env,
                const std::function<void(const ProbeResult&)>& progress, const std::set<Area>& only) {
  auto wanted = [&](Area a) { return only.empty() || only.count(a) > 0; };
  Targets t = all;
  if (!wanted(Area::databases)) t.databases.clear();
  if (!wanted(Area::services)) t.services.clear();
  if (!wanted(Area::monitoring)) t.monitoring.clear();
  if (!wanted(Area::network)) t.network.clear();
  if (!wanted(Area::security)) {
    t.closed.clear();
    t.localhost_only.clear();
  }
  Suite suite;
  auto add = [&](ProbeResult r) {
    if (!wanted(r.area)) return;
    r.reason = mask_secrets(r.reason);
    if (progress) progress(r);
    suite.results.push_back(std::move(r));
  };
  for (const auto& e : t.databases) add(database_probe(e, t, env));
  for (const auto& e : t.services) add(health_probe(Area::services, e, t, env, false));
  for (const auto& e : t.monitoring) add(health_probe(Area::monitoring, e, t, env, true));
  for (const auto& e : t.network) add(network_probe(e, t));
  for (const auto& hp : t.closed) add(closed_probe(hp, t));
  for (int port : t.localhost_only) add(localhost_only_probe(port));
  if (wanted(Area::resources))
    for (auto& r : resource_probes(t)) add(r);
  if (estate)
    for (auto& r : unprobed(*estate, t)) add(r);
  std::stable_sort(suite.results.begin(), suite.results.end(),
                   [](const ProbeResult& a, const ProbeResult& b) { return a.area < b.area; });
  return suite;
}

}  // namespace rehome::validate
