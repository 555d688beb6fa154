// libFuzzer target: any bytes given to `validate --targets` give Targets or a UserError, never a crash,
// a sanitizer report or another exception.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.hpp"
#include "validate/targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)rehome::validate::parse_targets(text, "fuzz-targets.yaml");
  } catch (const rehome::UserError&) {
    // the expected way to reject input
  }
  return 0;
}
