#include "model/problem.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

namespace rehome::model {

std::string Problem::str() const {
  std::string out = where.line > 0 && where.column > 0 ? fmt::format("{}:{}: ", where.str(), where.column)
                                                       : fmt::format("{}: ", where.str());
  if (!path.empty()) fmt::format_to(std::back_inserter(out), "{}: ", path);
  out.append(message);
  if (!hint.empty()) fmt::format_to(std::back_inserter(out), " (what to do: {})", hint);
  return out;
}

SourceLocation FieldLocations::find(const std::string& path) const {
  std::string p = path;
  while (!p.empty()) {
    if (auto it = by_path_.find(p); it != by_path_.end()) return it->second;
    size_t cut = p.find_last_of(".[");
    if (cut == std::string::npos) break;
    p.resize(cut);
  }
  return SourceLocation{.file = file_};
}

std::string format_problems(std::vector<Problem> problems) {
  std::stable_sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) {
    if (a.where.line != b.where.line) return a.where.line < b.where.line;
    return a.where.column < b.where.column;
  });
  std::string out;
  for (const auto& p : problems) out += p.str() + "\n";
  return out;
}

}  // namespace rehome::model
