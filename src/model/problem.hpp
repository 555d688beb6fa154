#pragma once
#include <map>
#include <string>
#include <vector>

#include "model/estate.hpp"

namespace rehome::model {

// One thing wrong with an estate file, precise enough to fix without reading rehome's source:
// "estate.yaml:42:13: services.gitlab.memory: '4X' is not a size. What to do: write 4G or 4096M".
struct Problem {
  SourceLocation where;
  std::string path;     // YAML path of the field: services.gitlab.memory, servers.hpr, services.x.ports[1]
  std::string message;  // what is wrong, in plain words
  std::string hint;     // what to do about it (may be empty)

  std::string str() const;  // "file:line:column: path: message (what to do: hint)"
};

// Where each field of a parsed file sits, by YAML path, so checks made after parsing (dangling
// references, cycles, sizes) can still point at the line.
class FieldLocations {
 public:
  void add(const std::string& path, const SourceLocation& where) { by_path_.emplace(path, where); }
  // The location of `path`, or of its nearest recorded parent (services.a.ports[2] -> services.a),
  // or just the file when nothing is known.
  SourceLocation find(const std::string& path) const;
  void set_file(std::string file) { file_ = std::move(file); }

 private:
  std::map<std::string, SourceLocation> by_path_;
  std::string file_;
};

// All problems as one message, one per line, in file order.
std::string format_problems(std::vector<Problem> problems);

}  // namespace rehome::model
