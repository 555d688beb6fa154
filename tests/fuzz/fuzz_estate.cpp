// libFuzzer target: any bytes given to parse_estate give an Estate or a UserError, never a crash,
// a sanitizer report or another exception; whatever parses also writes and parses back.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/error.hpp"
#include "model/estate_yaml.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string yaml;
  try {
    yaml = rehome::model::to_yaml(rehome::model::parse_estate(text, "fuzz.yaml"));
  } catch (const rehome::UserError&) {
    return 0;  // the expected way to reject input
  }
  // What was valid and written must read back: a normalized file that fails is a bug.
  rehome::model::EstateReading again = rehome::model::read_estate(yaml, "normalized.yaml");
  if (!again.ok()) {
    std::fprintf(stderr, "normalized estate does not read back:\n%s\n--- normalized ---\n%s\n",
                 rehome::model::format_problems(again.problems).c_str(), yaml.c_str());
    std::abort();
  }
  return 0;
}
