// The hooks of `rehome-testhooks`: the rehome binary (the same CLI sources as `rehome`) that the real
// migrate tests run when they need a precise moment or a skewed proof. Never installed in `rehome`.
//   REHOME_TEST_PAUSE_AT=<phase>:<object>   (e.g. "copy:public.big#2", "between:public.small",
//       "index:t_x_idx", "redis:3"): print "rehome: test pause at <phase>:<object>" on stderr and sleep
//       until killed, so kill -9 lands there.
//   REHOME_TEST_SKEW_STREAM_HASH=<table>    (e.g. "public.small_03"): record a wrong stream sum for it,
//       so the test sees the byte-exact readback that settles it.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "migrate/test_hooks.hpp"

namespace {

void pause_at(const std::string& phase, const std::string& object) {
  static const char* wanted = std::getenv("REHOME_TEST_PAUSE_AT");
  if (wanted == nullptr || phase + ":" + object != wanted) return;
  std::fprintf(stderr, "rehome: test pause at %s\n", wanted);
  std::fflush(stderr);
  for (;;) ::pause();
}

bool skew(const std::string& table) {
  static const char* wanted = std::getenv("REHOME_TEST_SKEW_STREAM_HASH");
  return wanted != nullptr && table == wanted;
}

[[maybe_unused]] const bool installed =
    (rehome::migrate::install_test_hooks({.pause_point = pause_at, .skew_stream_hash = skew}), true);

}  // namespace
