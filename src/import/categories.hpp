#pragma once
#include <map>
#include <optional>
#include <string>

#include "model/defaults.hpp"
#include "model/estate.hpp"

namespace rehome::import {

// The category and engine guess lives in the model (model/defaults.hpp), so an imported service and a
// hand-written one without `category:` are guessed from one table; the importers call it from here.
using model::guess_from_image;
using model::image_repository;
using model::ImageGuess;

// The documented default (docs/import.md) for a service with neither a declared limit/reservation
// nor a measurement: memory and CPU to reserve, by category (a few well-known heavy images first).
model::Resources default_resources(model::Category category, const std::string& image);

// True for a container path where a named volume holds data (databases, uploads, repositories):
// /var/lib/..., /var/opt/..., /data..., /srv..., /bitnami..., /home..., any path with a /data part.
bool is_data_path(const std::string& container_path);

// The database a data service holds, from the official images' variables (POSTGRES_DB, falling back
// to POSTGRES_USER then "postgres"; MARIADB_DATABASE / MYSQL_DATABASE; MONGO_INITDB_DATABASE); "" when
// none. Only these keys are read: passwords in the same environment are never looked at.
std::string database_from_env(const std::string& engine, const std::map<std::string, std::string>& env);

// Stateful = a database/cache category, or a writable named volume on a data path. Keeps `data`
// only for stateful services (engine "files" for a plain data volume).
void settle_state(model::Service& service);

// Applies a `rehome.category` label when present; returns false when the value is not a category.
bool apply_category_label(const std::string& value, model::Service& service);

}  // namespace rehome::import
