#pragma once
// Small estate files for the model tests, with the line numbers the tests assert on.
#include <string>

#include "model/estate_yaml.hpp"

namespace rehome::model::test_text {

// Two servers and one network; line 1 is `name: t`. Services start at line 15, at indent 2.
inline std::string with_services(const std::string& services) {
  return "name: t\n"                       // 1
         "servers:\n"                      // 2
         "  big:\n"                        // 3
         "    memory: 16G\n"               // 4
         "    cpu: 8\n"                    // 5
         "    role: manager\n"             // 6
         "  small:\n"                      // 7
         "    memory: 4G\n"                // 8
         "    cpu: 2\n"                    // 9
         "networks:\n"                     // 10
         "  backend: {encrypted: true}\n"  // 11
         "backup:\n"                       // 12
         "  retention: {daily: 7}\n"       // 13
         "services:\n"                     // 14
         + services;                       // 15...
}

inline EstateReading read(const std::string& yaml) { return read_estate(yaml, "estate.yaml"); }

// Locations say where a value was read, not what it is: clear them before comparing.
inline Estate without_locations(Estate e) {
  e.source_file.clear();
  for (auto& s : e.servers) s.where = {};
  for (auto& s : e.services) s.where = {};
  for (auto& n : e.networks) n.where = {};
  return e;
}

}  // namespace rehome::model::test_text
