#pragma once
// yaml-cpp helpers the compose importer shares: positions for messages, Compose's merge rules,
// YAML merge keys (`<<: *anchor`, which yaml-cpp 0.7 leaves as a plain key) and interpolation.
#include <string>

#include <yaml-cpp/yaml.h>

#include "import/interpolate.hpp"

namespace rehome::import {

// The value under `key` of a mapping, or an Undefined node (never yaml-cpp's invalid "zombie" node,
// which throws on every question) when `node` is not a mapping or has no such key.
YAML::Node child(const YAML::Node& node, const std::string& key);

// "file:line" of a node (1-based), or just "file" when the node has no position.
std::string where(const std::string& file, const YAML::Node& node);

// Parses YAML text; a syntax error becomes UserError("file:line:col: ...").
YAML::Node parse_yaml(const std::string& text, const std::string& file);

// Interpolates every scalar value (not keys) in place, naming file:line in errors. Every malformed
// value of the file is reported in one UserError (one line each), not only the first.
void interpolate_tree(YAML::Node& node, Interpolation& ctx, const std::string& file);

// A copy of `node` where every `<<` key is replaced by the keys of the mapping(s) it names (the
// node's own keys win). Nodes are shared, not cloned, so positions survive.
YAML::Node expand_merge_keys(const YAML::Node& node);

// Compose's rule for `extends` and override files: mappings merge key by key, list-valued settings
// that accumulate (ports, volumes, ...) are concatenated, everything else is replaced by `over`.
YAML::Node merge_service(const YAML::Node& base, const YAML::Node& over);

// The scalar text of a node, or UserError("file:line: <what> must be a single value").
std::string scalar(const YAML::Node& node, const std::string& file, const std::string& what);

// true/false as YAML 1.1 and Compose accept them (true, yes, on ...); UserError otherwise.
bool boolean(const YAML::Node& node, const std::string& file, const std::string& what);

}  // namespace rehome::import
