// libFuzzer target: any bytes given to parse_estate give an Estate or a UserError, never a crash,
// a sanitizer report or another exception; whatever parses also writes and parses back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/error.hpp"
#include "model/estate_yaml.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    rehome::model::Estate e = rehome::model::parse_estate(text, "fuzz.yaml");
    std::string yaml = rehome::model::to_yaml(e);
    rehome::model::parse_estate(yaml, "normalized.yaml");  // the normalized form must be valid too
  } catch (const rehome::UserError&) {
    // the expected way to reject input
  }
  return 0;
}
