// monitoring/prometheus.yml and monitoring/alerts.yml. Scrape targets are found through Swarm's DNS
// (tasks.<stack>_<service>: one A record per running task), so a rescheduled replica is scraped where
// it lands; the alert thresholds come from the plan (desired replicas) and the backup schedule.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "generate/generate.hpp"
#include "generate/yaml_writer.hpp"

namespace rehome::generate {
namespace {

bool image_or_name_has(const model::Service& s, const std::string& word) {
  return s.image.find(word) != std::string::npos || s.name.find(word) != std::string::npos;
}

const model::Service* find_exporter(const Topology& t, const std::string& word) {
  for (const auto& s : t.estate().services) {
    if (image_or_name_has(s, word)) return &s;
  }
  return nullptr;
}

std::string swarm_name(const Topology& t, const model::Service& s) {
  return t.stack_of(s.name) + "_" + s.name;
}

void dns_job(YamlWriter& y, const std::string& job, const std::string& dns_name, int port,
             const std::string& path) {
  y.map().kv("job_name", job);
  if (path != "/metrics") y.kv("metrics_path", path);
  y.key("dns_sd_configs").seq().map();
  y.key("names").flow({"tasks." + dns_name}).kv("type", "A").kv("port", port).end_map().end_seq();
  y.end_map();
}

// Node exporter / cAdvisor: through Swarm DNS when the estate runs them as services, else on every
// server's address (installed on the hosts).
void exporter_job(YamlWriter& y, const Topology& t, const std::string& job, const std::string& word,
                  int port) {
  if (const auto* s = find_exporter(t, word)) {
    dns_job(y, job, swarm_name(t, *s), port, "/metrics");
    return;
  }
  y.map().kv("job_name", job).key("static_configs").seq();
  for (const auto& server : t.estate().servers) {
    y.map().key("targets").flow(
        {fmt::format("{}:{}", server.address.empty() ? server.name : server.address, port)});
    y.key("labels").map().kv("server", server.name).end_map().end_map();
  }
  y.end_seq().end_map();
}

int metrics_port(const model::Service& s) {
  auto it = s.metrics.find("port");
  if (it != s.metrics.end()) {
    try {
      return std::stoi(it->second);
    } catch (...) {
    }
  }
  for (const auto& p : s.ports) {
    if (p.target > 0) return p.target;
  }
  return 0;
}

void rule(YamlWriter& y, const std::string& alert, const std::string& expr, const std::string& for_,
          const std::string& severity, const std::string& summary,
          const std::vector<std::pair<std::string, std::string>>& labels = {}) {
  y.map().kv("alert", alert).kv("expr", expr);
  if (!for_.empty()) y.kv("for", for_);
  y.key("labels").map().kv("severity", severity);
  for (const auto& [k, v] : labels) y.kv(k, v);
  y.end_map();
  y.key("annotations").map().kv("summary", summary).end_map();
  y.end_map();
}

// Seconds after which a backup counts as stale: one schedule period (a day) plus two hours of slack.
long backup_stale_seconds() { return 26L * 3600; }

}  // namespace

std::string prometheus_config(const Topology& t) {
  YamlWriter y;
  y.map();
  y.key("global").map().kv("scrape_interval", "30s").kv("evaluation_interval", "30s");
  y.key("external_labels").map().kv("estate", t.estate().name.empty() ? "estate" : t.estate().name).end_map();
  y.end_map();
  y.key("rule_files").flow({"alerts.yml"});
  if (const auto* am = find_exporter(t, "alertmanager")) {
    y.key("alerting").map().key("alertmanagers").seq().map().key("dns_sd_configs").seq().map();
    y.key("names").flow({"tasks." + swarm_name(t, *am)}).kv("type", "A").kv("port", 9093);
    y.end_map().end_seq().end_map().end_seq().end_map();
  }
  y.key("scrape_configs").seq();
  y.map()
      .kv("job_name", "prometheus")
      .key("static_configs")
      .seq()
      .map()
      .key("targets")
      .flow({"localhost:9090"});
  y.end_map().end_seq().end_map();
  exporter_job(y, t, "node", "node-exporter", 9100);
  exporter_job(y, t, "cadvisor", "cadvisor", 8080);
  // Job names must be unique: a service called like a fixed job (prometheus) keeps its stack prefix.
  std::set<std::string> jobs = {"prometheus", "node", "cadvisor"};
  for (const auto& s : t.estate().services) {
    if (s.metrics.empty() || image_or_name_has(s, "node-exporter") || image_or_name_has(s, "cadvisor"))
      continue;
    int port = metrics_port(s);
    if (port <= 0) continue;
    auto path = s.metrics.count("path") ? s.metrics.at("path") : std::string("/metrics");
    std::string job = jobs.insert(s.name).second ? s.name : swarm_name(t, s);
    jobs.insert(job);
    dns_job(y, job, swarm_name(t, s), port, path);
  }
  y.end_seq();
  y.end_map();
  return generated_header(t) + y.str();
}

std::string alert_rules(const Topology& t) {
  YamlWriter y;
  y.map().key("groups").seq();

  y.map().kv("name", "rehome-nodes").key("rules").seq();
  rule(y, "NodeDown", "up{job=\"node\"} == 0", "2m", "critical",
       "Server {{ $labels.server }}{{ $labels.instance }} does not answer: Swarm reschedules its replicas");
  rule(y, "DiskNearlyFull",
       "node_filesystem_avail_bytes{fstype!~\"tmpfs|overlay|squashfs\"} / "
       "node_filesystem_size_bytes{fstype!~\"tmpfs|overlay|squashfs\"} < 0.10",
       "15m", "warning", "{{ $labels.mountpoint }} on {{ $labels.instance }} has less than 10% free");
  rule(y, "ScrapeTargetDown", "up == 0", "5m", "warning",
       "{{ $labels.job }} target {{ $labels.instance }} is down");
  y.end_seq().end_map();

  // One rule per service, with the replica count of the plan.
  y.map().kv("name", "rehome-replicas").key("rules").seq();
  for (const auto& s : t.estate().services) {
    int desired = s.global ? static_cast<int>(t.placement(s.name).servers.size()) : s.replicas;
    std::string selector = fmt::format(
        "container_last_seen{{container_label_com_docker_swarm_service_name=\"{}\"}}", swarm_name(t, s));
    rule(y, "ServiceBelowDesiredReplicas",
         fmt::format("(count(time() - {0} < 60) or vector(0)) < {1}", selector, desired), "5m",
         s.tier == model::Tier::production ? "critical" : "warning",
         fmt::format("{} runs fewer than the {} replica(s) the plan wants", s.name, desired),
         {{"service", s.name}, {"stack", t.stack_of(s.name)}});
  }
  y.end_seq().end_map();

  y.map().kv("name", "rehome-backups").key("rules").seq();
  rule(y, "BackupStale", fmt::format("time() - backup_last_success_timestamp > {}", backup_stale_seconds()),
       "30m", "critical",
       "No successful backup of {{ $labels.job }}{{ $labels.target }} for more than a day");
  rule(y, "BackupFailed", "backup_last_exit_code != 0", "5m", "critical",
       "The last backup of {{ $labels.job }}{{ $labels.target }} failed (exit {{ $value }})");
  rule(y, "BackupEmpty", "backup_bytes == 0", "30m", "warning",
       "The last backup of {{ $labels.job }}{{ $labels.target }} wrote nothing");
  rule(y, "BackupMetricsMissing", "absent(backup_last_success_timestamp)", "2h", "warning",
       "No backup has reported metrics: is the backup job running at all?");
  y.end_seq().end_map();

  y.map().kv("name", "rehome-replication").key("rules").seq();
  rule(y, "ReplicaLagHigh", "max by (instance) (pg_replication_lag_seconds) > 300", "10m", "warning",
       "PostgreSQL replica {{ $labels.instance }} is {{ $value }}s behind its primary");
  rule(y, "RedisReplicaLagHigh", "max by (instance) (redis_connected_slave_lag_seconds) > 60", "10m",
       "warning", "Redis replica of {{ $labels.instance }} is {{ $value }}s behind");
  rule(y, "GitMirrorSyncStale",
       "time() - max by (job) "
       "({__name__=~\"gitlab_mirror_last_sync_timestamp|git_mirror_last_sync_timestamp\"}) > 7200",
       "10m", "warning", "The off-site git mirror has not synced for more than 2 hours");
  y.end_seq().end_map();

  y.end_seq().end_map();
  return generated_header(t) + y.str();
}

}  // namespace rehome::generate
