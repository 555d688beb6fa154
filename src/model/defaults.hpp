#pragma once
// Defaults for fields a person left out: a category guessed from the image or name, and a memory
// estimate per category (flagged `estimated` so reports show "est.").
#include <string>

#include "model/estate.hpp"

namespace rehome::model {

// nullopt when nothing in the image or name hints at a category (the caller then uses `app`).
std::optional<Category> guess_category(const std::string& name, const std::string& image);

// A typical reservation for a service of this category, used when none is written.
Bytes default_memory(Category category);

// The engine a data service runs, guessed from its image ("postgres:15" -> "postgres"), or "".
std::string guess_engine(const std::string& image);

}  // namespace rehome::model
