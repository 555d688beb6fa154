#include "model/defaults.hpp"

#include <array>
#include <utility>

namespace rehome::model {
namespace {

bool contains(const std::string& haystack, const char* needle) {
  return haystack.find(needle) != std::string::npos;
}

// First match wins: more specific words first (a "postgres-exporter" is monitoring, not a database).
constexpr std::array<std::pair<const char*, Category>, 36> kHints{{
    {"exporter", Category::monitoring},
    {"cadvisor", Category::monitoring},
    {"prometheus", Category::monitoring},
    {"grafana", Category::monitoring},
    {"alertmanager", Category::monitoring},
    {"loki", Category::logging},
    {"promtail", Category::logging},
    {"fluent", Category::logging},
    {"backup", Category::backup},
    {"bacula", Category::backup},
    {"restic", Category::backup},
    {"postgres", Category::database},
    {"mariadb", Category::database},
    {"mysql", Category::database},
    {"mongo", Category::database},
    {"influxdb", Category::database},
    {"redis", Category::cache},
    {"memcached", Category::cache},
    {"rabbitmq", Category::queue},
    {"kafka", Category::queue},
    {"nats", Category::queue},
    {"minio", Category::storage},
    {"gitlab-runner", Category::ci},
    {"runner", Category::ci},
    {"gitlab", Category::ci},
    {"jenkins", Category::ci},
    {"traefik", Category::proxy},
    {"nginx-proxy", Category::proxy},
    {"caddy", Category::proxy},
    {"haproxy", Category::proxy},
    {"keycloak", Category::auth},
    {"oauth2-proxy", Category::auth},
    {"mailcow", Category::mail},
    {"postfix", Category::mail},
    {"dovecot", Category::mail},
    {"frontend", Category::frontend},
}};

}  // namespace

std::optional<Category> guess_category(const std::string& name, const std::string& image) {
  for (const auto& [word, category] : kHints)
    if (contains(image, word) || contains(name, word)) return category;
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

std::string guess_engine(const std::string& image) {
  for (const char* engine : {"postgres", "redis", "mariadb", "mysql", "mongo", "influxdb"})
    if (contains(image, engine)) return engine;
  return "";
}

}  // namespace rehome::model
