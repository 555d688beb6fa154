#include "migrate/test_pause.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace rehome::migrate {

void pause_point(const std::string& phase, const std::string& object) {
  static const char* wanted = std::getenv("REHOME_TEST_PAUSE_AT");
  if (wanted == nullptr || phase + ":" + object != wanted) return;
  std::fprintf(stderr, "rehome: test pause at %s\n", wanted);
  std::fflush(stderr);
  for (;;) ::pause();
}

bool skew_stream_hash(const std::string& table) {
  static const char* wanted = std::getenv("REHOME_TEST_SKEW_STREAM_HASH");
  return wanted != nullptr && table == wanted;
}

}  // namespace rehome::migrate
