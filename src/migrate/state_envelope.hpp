#pragma once
// The envelope the PostgreSQL and MariaDB movers' resume state files share: what the file is (kind,
// version), which migration it belongs to (fingerprint: a state file of another migration is refused),
// and for people reading it the masked endpoints, the selection and how many runs started on it. Each
// mover adds its own steps and units. Reading: any failure is one UserError naming the file.
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace rehome::migrate {

// State: any struct with fingerprint, source, target, selection (strings) and runs (int).
template <typename State>
nlohmann::json state_envelope(std::string_view kind, const State& s) {
  return {{"kind", kind},       {"version", 1},       {"fingerprint", s.fingerprint},
          {"source", s.source}, {"target", s.target}, {"selection", s.selection},
          {"runs", s.runs}};
}

// Parses `text`, checks the kind, reads the envelope into a State and hands the JSON to `body` for the
// rest. `what` names the file in the error ("rehome migration state file"), `hint` says what to do.
template <typename State, typename Body>
State read_state_file(const std::string& text, const std::filesystem::path& path, std::string_view kind,
                      std::string_view what, std::string_view hint, Body body) {
  try {
    auto j = nlohmann::json::parse(text);
    if (!j.is_object() || j.value("kind", "") != kind)
      throw std::runtime_error(fmt::format("not a {}", kind));
    State s;
    s.fingerprint = j.at("fingerprint").template get<std::string>();
    s.source = j.value("source", "");
    s.target = j.value("target", "");
    s.selection = j.value("selection", "");
    s.runs = j.value("runs", 0);
    body(j, s);
    return s;
  } catch (const std::exception& e) {
    throw UserError(fmt::format("{}: not a readable {} ({})", path.string(), what, e.what()),
                    std::string(hint));
  }
}

}  // namespace rehome::migrate
