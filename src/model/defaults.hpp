#pragma once
// Defaults for fields a person left out: a category and data engine guessed from the image or name,
// and a memory estimate per category (flagged `estimated` so reports show "est."). The one guess for
// both a hand-written estate.yaml (estate_read) and the compose/Docker importers (docs/import.md).
#include <optional>
#include <string>

#include "model/estate.hpp"

namespace rehome::model {

// What an image name tells us: a category, and for databases/caches the engine whose data
// migrate/backup must copy. A guess, always marked as one (Service::category_guessed).
struct ImageGuess {
  Category category = Category::app;
  std::string engine;  // postgres | mariadb | mysql | mongo | redis | influxdb | "" (none)
};

// "registry.example.com:5000/library/postgres:15-alpine@sha256:..." -> "library/postgres" (registry
// host, tag and digest stripped, lower case; `library/` kept, unlike generate::image_repository).
std::string image_repository(const std::string& image);

// Guesses from the image repository, then from the service name (for `build:` images); first rule
// wins. `app` with no engine when nothing hints at anything.
ImageGuess guess_from_image(const std::string& image, const std::string& service_name);

// The same guess's category; nullopt when nothing in the image or name hints at one (the caller then
// uses `app`).
std::optional<Category> guess_category(const std::string& name, const std::string& image);

// A typical reservation for a service of this category, used when none is written.
Bytes default_memory(Category category);

// The engine a data service runs, from the same guess ("postgres:15" -> "postgres"), or "".
std::string guess_engine(const std::string& name, const std::string& image);

}  // namespace rehome::model
