#include "import/categories.hpp"

#include <algorithm>
#include <array>

#include "model/defaults.hpp"

namespace rehome::import {
namespace {

using model::Category;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

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
