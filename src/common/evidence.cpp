#include "common/evidence.hpp"

#include <fmt/format.h>

#include "common/error.hpp"

namespace rehome::evidence {

void stamp(nlohmann::json& j, std::string_view kind, int format) {
  j["kind"] = std::string(kind);
  j["format"] = format;
}

std::string kind_of(const nlohmann::json& j) {
  if (!j.is_object()) return "";
  auto it = j.find("kind");
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

void require(const nlohmann::json& j, std::string_view kind, int format) {
  std::string found = kind_of(j);
  if (found != kind)
    throw UserError(fmt::format("evidence of kind '{}' where '{}' was expected", found, kind));
  auto it = j.find("format");
  int version = it != j.end() && it->is_number_integer() ? it->get<int>() : 1;
  if (version < 1 || version > format)
    throw UserError(
        fmt::format("{} evidence in format {}; this rehome reads formats 1 to {}", kind, version, format),
        "read it with the rehome that wrote it, or a newer one");
}

}  // namespace rehome::evidence
