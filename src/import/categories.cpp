#include "import/categories.hpp"

#include <algorithm>
#include <array>

#include "model/defaults.hpp"

namespace rehome::import {
namespace {

using model::Category;

struct Rule {
  const char* needle;  // matched against the repository's last path part (or the whole repository)
  Category category;
  const char* engine;
};

// Order matters: the first rule whose needle occurs in the name wins ("gitlab-runner" before
// "gitlab", "postgres-exporter" before "postgres").
constexpr std::array<Rule, 70> kRules{{
    {"exporter", Category::monitoring, ""},
    {"cadvisor", Category::monitoring, ""},
    {"gitlab-runner", Category::ci, ""},
    {"woodpecker", Category::ci, ""},
    {"drone", Category::ci, ""},
    {"jenkins", Category::ci, ""},
    {"act_runner", Category::ci, ""},
    {"gitlab", Category::ci, ""},
    {"gitea", Category::app, ""},
    {"forgejo", Category::app, ""},
    // HTTP APIs, admin UIs and tools in front of a database: apps, not the database (issue 18: a
    // backend-as-a-service's PostgREST was given a database's reservation and a StatefulSet).
    {"postgrest", Category::app, ""},
    {"postgres-meta", Category::app, ""},
    {"pg-meta", Category::app, ""},
    {"pgweb", Category::app, ""},
    {"graphql", Category::app, ""},
    {"adminer", Category::app, ""},
    {"phpmyadmin", Category::app, ""},
    {"mongo-express", Category::app, ""},
    {"redis-commander", Category::app, ""},
    {"redisinsight", Category::app, ""},
    {"-api", Category::app, ""},
    {"pgbouncer", Category::database, ""},
    {"pgadmin", Category::app, ""},
    {"postgis", Category::database, "postgres"},
    {"timescale", Category::database, "postgres"},
    {"postgres", Category::database, "postgres"},
    {"mariadb", Category::database, "mariadb"},
    {"mysql", Category::database, "mysql"},
    {"mongo", Category::database, "mongo"},
    {"influxdb", Category::database, "influxdb"},
    {"clickhouse", Category::database, ""},
    {"cassandra", Category::database, ""},
    {"redis", Category::cache, "redis"},
    {"valkey", Category::cache, "redis"},
    {"keydb", Category::cache, "redis"},
    {"memcached", Category::cache, ""},
    {"rabbitmq", Category::queue, ""},
    {"kafka", Category::queue, ""},
    {"nats", Category::queue, ""},
    {"mosquitto", Category::queue, ""},
    {"minio", Category::storage, ""},
    {"seaweedfs", Category::storage, ""},
    {"prometheus", Category::monitoring, ""},
    {"alertmanager", Category::monitoring, ""},
    {"loki", Category::logging, ""},
    {"grafana", Category::monitoring, ""},
    {"uptime-kuma", Category::monitoring, ""},
    {"promtail", Category::logging, ""},

    {"fluent", Category::logging, ""},
    {"elasticsearch", Category::logging, ""},
    {"traefik", Category::proxy, ""},
    {"nginx-proxy", Category::proxy, ""},
    {"nginx", Category::frontend, ""},
    {"caddy", Category::proxy, ""},
    {"haproxy", Category::proxy, ""},
    {"envoy", Category::proxy, ""},
    {"oauth2-proxy", Category::auth, ""},
    {"keycloak", Category::auth, ""},
    {"authelia", Category::auth, ""},
    {"authentik", Category::auth, ""},
    {"mailcow", Category::mail, ""},
    {"postfix", Category::mail, ""},
    {"dovecot", Category::mail, ""},
    {"rspamd", Category::mail, ""},
    {"sogo", Category::mail, ""},
    {"restic", Category::backup, ""},
    {"borg", Category::backup, ""},
    {"ollama", Category::ml, ""},
    {"appwrite", Category::app, ""},
    {"registry", Category::storage, ""},
}};

std::optional<ImageGuess> match(const std::string& name) {
  for (const auto& rule : kRules)
    if (name.find(rule.needle) != std::string::npos) return ImageGuess{rule.category, rule.engine};
  return std::nullopt;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool looks_like_frontend(const std::string& name) {
  for (const char* hint : {"-web", "web-", "frontend", "-ui", "webapp", "website"})
    if (name.find(hint) != std::string::npos) return true;
  return false;
}

}  // namespace

std::string image_repository(const std::string& image) {
  std::string s = image.substr(0, image.find('@'));
  size_t slash = s.find('/');
  // A first part with '.' or ':' (or "localhost") is a registry host, not a namespace.
  if (slash != std::string::npos) {
    std::string first = s.substr(0, slash);
    if (first.find_first_of(".:") != std::string::npos || first == "localhost") s = s.substr(slash + 1);
  }
  size_t colon = s.rfind(':');
  if (colon != std::string::npos && s.find('/', colon) == std::string::npos) s = s.substr(0, colon);
  return lower(s);
}

ImageGuess guess_from_image(const std::string& image, const std::string& service_name) {
  std::string repo = image_repository(image);
  // "mailcow/..." and "appwrite/..." namespaces name the suite for every image inside them.
  for (const char* suite : {"mailcow/", "appwrite/"}) {
    if (repo.rfind(suite, 0) == 0) {
      auto inner = match(repo.substr(repo.find('/') + 1));
      if (inner && (inner->category == Category::database || inner->category == Category::cache))
        return *inner;
      return ImageGuess{std::string(suite) == "mailcow/" ? Category::mail : Category::app, ""};
    }
  }
  if (auto g = match(repo)) return *g;
  std::string name = lower(service_name);
  if (auto g = match(name)) return *g;
  if (looks_like_frontend(repo) || looks_like_frontend(name)) return ImageGuess{Category::frontend, ""};
  return ImageGuess{};
}

model::Resources default_resources(Category category, const std::string& image) {
  using model::GiB;
  using model::MiB;
  model::Resources r;
  r.estimated = true;
  std::string repo = image_repository(image);
  // Images whose documented minimum is far above their category's typical need.
  if (repo.find("gitlab/gitlab-") == 0 && repo.find("runner") == std::string::npos) {
    r.memory_reservation = 4 * GiB;
    r.cpu_reservation = 2000;
    return r;
  }
  if (repo.find("elasticsearch") != std::string::npos) {
    r.memory_reservation = 2 * GiB;
    r.cpu_reservation = 1000;
    return r;
  }
  // Memory: the model's per-category default (the same one estate.yaml falls back to), so an
  // imported estate and a hand-written one agree. CPU: a share by category.
  r.memory_reservation = model::default_memory(category);
  switch (category) {
    case Category::database:
    case Category::ci:
      r.cpu_reservation = 500;
      break;
    case Category::ml:
      r.cpu_reservation = 2000;
      break;
    case Category::queue:
    case Category::storage:
    case Category::monitoring:
    case Category::logging:
    case Category::auth:
    case Category::app:
      r.cpu_reservation = 250;
      break;
    default:
      r.cpu_reservation = 100;
  }
  return r;
}

bool is_data_path(const std::string& p) {
  for (const char* prefix : {"/var/lib/", "/var/opt/", "/data", "/srv", "/bitnami", "/home/", "/var/www"})
    if (p.rfind(prefix, 0) == 0) return true;
  return p.find("/data/") != std::string::npos || (p.size() >= 5 && p.ends_with("/data"));
}

std::string database_from_env(const std::string& engine, const std::map<std::string, std::string>& env) {
  auto get = [&](const char* key) {
    auto it = env.find(key);
    return it == env.end() ? std::string{} : it->second;
  };
  if (engine == "postgres") {
    for (const char* key : {"POSTGRES_DB", "POSTGRES_USER"})
      if (!get(key).empty()) return get(key);
    return "postgres";
  }
  if (engine == "mariadb" || engine == "mysql") {
    for (const char* key : {"MARIADB_DATABASE", "MYSQL_DATABASE"})
      if (!get(key).empty()) return get(key);
  }
  if (engine == "mongo") return get("MONGO_INITDB_DATABASE");
  return "";
}

void settle_state(model::Service& service) {
  bool database_like = service.category == Category::database || service.category == Category::cache;
  bool data_volume = std::any_of(service.volumes.begin(), service.volumes.end(), [](const model::Volume& v) {
    return !v.bind && !v.read_only && is_data_path(v.target);
  });
  service.stateful = database_like || data_volume;
  if (service.data && !service.stateful) service.data.reset();
  if (!service.data && data_volume) service.data = model::DataSpec{.engine = "files"};
}

bool apply_category_label(const std::string& value, model::Service& service) {
  auto c = model::category_from_string(lower(value));
  if (!c) return false;
  service.category = *c;
  service.category_guessed = false;
  return true;
}

}  // namespace rehome::import
