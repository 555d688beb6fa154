#pragma once
// Evidence: what a command proved, kept as typed data. Each capability serializes its own report type
// (to_json / *_from_json in its library); every such JSON says what it is ("kind", e.g.
// "rehome.migration.postgres") and which version of that shape it has ("format"). A reader dispatches on
// the kind, never on a file name, and refuses a format newer than it knows rather than misreading it.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace rehome::evidence {

// Adds "kind" and "format" to an evidence object (nlohmann::json keeps keys sorted, so the other
// fields' order is unchanged).
void stamp(nlohmann::json& j, std::string_view kind, int format);

// "" when `j` is not an object or has no kind (evidence written before kinds existed).
std::string kind_of(const nlohmann::json& j);

// UserError unless `j` is an object of `kind` with a format this build reads (1..format; a missing
// format is read as 1).
void require(const nlohmann::json& j, std::string_view kind, int format);

}  // namespace rehome::evidence
