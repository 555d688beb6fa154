#pragma once
// estate.yaml: the person-written description of servers and services (schema: docs/estate-format.md).
#include <filesystem>
#include <string>
#include <vector>

#include "model/estate.hpp"
#include "model/problem.hpp"

namespace rehome::model {

// Reads and validates an estate file. Throws UserError (exit code 2) listing every problem found,
// each with file:line:column and the field's YAML path, when the file is missing, malformed or invalid.
Estate load_estate(const std::filesystem::path& path);

// The same for text already in memory; `filename` is used in messages.
Estate parse_estate(const std::string& yaml, const std::string& filename);

// Normalized YAML for an estate: every field that differs from its default, canonical units.
// parse_estate(to_yaml(e)) gives back e (apart from source locations).
std::string to_yaml(const Estate& estate);

// The built-in example (examples/wizardsofts/estate.yaml): the estate of the seeds, used when a
// command is given no file. Throws UserError when the examples folder cannot be found.
Estate default_estate();
std::filesystem::path default_estate_path();

// Lower level, for `rehome estate` and tests: reads without throwing, collecting every problem
// (syntax, unknown keys, wrong types, then the checks of validate.hpp).
struct EstateReading {
  Estate estate;
  std::vector<Problem> problems;
  FieldLocations locations;
  bool ok() const { return problems.empty(); }
};
EstateReading read_estate(const std::string& yaml, const std::string& filename);

}  // namespace rehome::model
