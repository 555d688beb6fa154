#include "model/defaults.hpp"

#include <array>
#include <cctype>

namespace rehome::model {
namespace {

struct Rule {
  const char* needle;  // matched against the repository's last path part (or the whole repository)
  Category category;
  const char* engine;
};

// Order matters: the first rule whose needle occurs in the name wins ("gitlab-runner" before
// "gitlab", "postgres-exporter" before "postgres").
constexpr std::array<Rule, 73> kRules{{
    {"exporter", Category::monitoring, ""},
    {"cadvisor", Category::monitoring, ""},
    // A backup job for a database is a backup, not the database ("postgres-backup-local").
    {"backup", Category::backup, ""},
    {"bacula", Category::backup, ""},
    {"gitlab-runner", Category::ci, ""},
    {"woodpecker", Category::ci, ""},
    {"drone", Category::ci, ""},
    {"jenkins", Category::ci, ""},
    {"act_runner", Category::ci, ""},
    {"runner", Category::ci, ""},
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

// nullopt when neither the image nor the name hints at anything.
std::optional<ImageGuess> guess(const std::string& image, const std::string& service_name) {
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
  return std::nullopt;
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
  return guess(image, service_name).value_or(ImageGuess{});
}

std::optional<Category> guess_category(const std::string& name, const std::string& image) {
  if (auto g = guess(image, name)) return g->category;
  return std::nullopt;
}

Bytes default_memory(Category category) {
  switch (category) {
    case Category::database:
      return 1 * GiB;
    case Category::ci:
      return 2 * GiB;
    case Category::monitoring:
    case Category::logging:
    case Category::storage:
    case Category::ml:
      return 512 * MiB;
    case Category::frontend:
    case Category::proxy:
    case Category::backup:
      return 128 * MiB;
    default:
      return 256 * MiB;
  }
}

std::string guess_engine(const std::string& name, const std::string& image) {
  return guess_from_image(image, name).engine;
}

}  // namespace rehome::model
