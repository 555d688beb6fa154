#pragma once
// Reading typed fields out of yaml-cpp nodes while collecting every problem (never stopping at the
// first): wrong types, malformed units, unknown keys with a did-you-mean, duplicate keys.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "model/problem.hpp"
#include "model/units.hpp"

namespace rehome::model {

class FieldReader {
 public:
  FieldReader(std::string file, std::vector<Problem>& problems, FieldLocations& locations)
      : file_(std::move(file)), problems_(problems), locations_(locations) {}

  SourceLocation where(const YAML::Node& node) const;
  void problem(const YAML::Node& node, const std::string& path, std::string message, std::string hint = {});

  // Calls `each(key, value, path)` for every entry of a mapping, in file order, after reporting
  // keys that are not in `allowed` (empty = any key) and keys given twice. Records locations.
  // False (and a problem) when `node` is not a mapping; a null node is an empty mapping.
  using EntryFn =
      std::function<void(const std::string& key, const YAML::Node& value, const std::string& path)>;
  bool for_each_entry(const YAML::Node& node, const std::string& path,
                      const std::vector<std::string>& allowed, const EntryFn& each);

  std::optional<std::string> text(const YAML::Node& node, const std::string& path);
  std::optional<bool> boolean(const YAML::Node& node, const std::string& path);
  std::optional<long long> integer(const YAML::Node& node, const std::string& path, long long min,
                                   long long max);
  std::optional<Bytes> bytes(const YAML::Node& node, const std::string& path);
  std::optional<MilliCpu> cpu(const YAML::Node& node, const std::string& path);
  std::optional<Millis> duration(const YAML::Node& node, const std::string& path);
  // "10%" or a fraction below 1 ("0.1").
  std::optional<double> share(const YAML::Node& node, const std::string& path);
  // A list of names; a single scalar counts as a list of one.
  std::vector<std::string> names(const YAML::Node& node, const std::string& path);
  // A mapping of scalars to scalars (labels, metrics).
  std::map<std::string, std::string> string_map(const YAML::Node& node, const std::string& path);

  const std::string& file() const { return file_; }
  void record(const std::string& path, const YAML::Node& node) { locations_.add(path, where(node)); }

 private:
  std::string file_;
  std::vector<Problem>& problems_;
  FieldLocations& locations_;
};

}  // namespace rehome::model
