#pragma once
// Checks across fields of an estate that a YAML reader cannot make alone: duplicate names, dangling
// references, dependency cycles, impossible or absurd sizes, colliding published ports.
#include <vector>

#include "model/estate.hpp"
#include "model/problem.hpp"

namespace rehome::model {

// Every problem found (empty = valid). `locations` points messages at the field's line; without it
// they point at the service or server.
std::vector<Problem> validate(const Estate& estate, const FieldLocations& locations);
std::vector<Problem> validate(const Estate& estate);

}  // namespace rehome::model
