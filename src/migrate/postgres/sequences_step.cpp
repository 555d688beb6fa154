// sequences step: each target sequence set to the source's value (a never-used sequence stays unused).
#include <set>

#include <fmt/format.h>

#include "migrate/postgres/steps.hpp"

namespace rehome::migrate {

void copy_sequences(engines::PgConnection& source, engines::PgConnection& target) {
  std::set<TableName> on_target;
  for (const auto& s : read_sequences(target)) on_target.insert(s.name);
  for (const auto& s : read_sequences(source)) {
    if (!on_target.count(s.name)) continue;  // not part of the selection
    std::string name = engines::quote_literal(engines::qualified_name(s.name.schema, s.name.name));
    if (s.last_value)
      target.query(fmt::format("SELECT setval({}, {}, true)", name, *s.last_value));
    else
      target.query(fmt::format(
          "SELECT setval({0}, (SELECT seqstart FROM pg_sequence WHERE seqrelid = {0}::regclass), false)",
          name));
  }
}

}  // namespace rehome::migrate
