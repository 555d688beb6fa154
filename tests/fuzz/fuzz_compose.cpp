// libFuzzer target: any bytes given to the compose importer as compose.yaml (beside a fixed .env and
// an `extends` target) give an ImportResult or a UserError, never a crash, a sanitizer report or
// another exception; whatever imports also renders its summary.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/error.hpp"
#include "import/compose.hpp"

namespace {
const char* kEnv = "APP_TAG=1.0\nREGISTRY=ghcr.io/x\nEMPTY=\n";
const char* kCommon =
    "services:\n  base:\n    image: alpine\n    mem_limit: 64m\n    healthcheck: {test: [CMD, true]}\n";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  rehome::import::FileReader reader = [&](const std::filesystem::path& p) -> std::optional<std::string> {
    std::string name = p.lexically_normal().string();
    if (name == "p/compose.yaml") return text;
    if (name == "p/.env") return std::string(kEnv);
    if (name == "p/common.yml") return std::string(kCommon);
    return std::nullopt;
  };
  try {
    auto result = rehome::import::import_compose({"p/compose.yaml"}, {}, reader);
    (void)rehome::import::render_summary(result);
  } catch (const rehome::UserError& e) {
    // The expected way to reject input. The importer's safety net for yaml-cpp exceptions nobody
    // foresaw also ends in a UserError; the fuzzer treats it as a finding, so each is fixed at its cause.
    // Told by its hint, which no input can write (the message may quote the input's own text).
    if (e.hint() == "check the file against the Compose specification") std::abort();
  }
  return 0;
}
