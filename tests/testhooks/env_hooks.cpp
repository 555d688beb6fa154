// The hooks of `rehome-testhooks`: the rehome binary (the same CLI sources as `rehome`) that the real
// migrate tests run when they need a precise moment or a skewed proof. Never installed in `rehome`.
//   REHOME_TEST_PAUSE_AT=<phase>:<object>   (e.g. "copy:public.big#2", "between:public.small",
//       "index:t_x_idx", "redis:3"): print "rehome: test pause at <phase>:<object>" on stderr and sleep
//       until killed, so kill -9 lands there.
//   REHOME_TEST_SKEW_STREAM_HASH=<table>    (e.g. "public.small_03"): record a wrong stream sum for it,
//       so the test sees the byte-exact readback that settles it.
//   REHOME_TEST_HOLD_AT=<phase>:<object> with REHOME_TEST_HOLD_UNTIL=<file>: print "rehome: test hold at
//       <phase>:<object>" on stderr and wait until <file> exists, then go on (the fault tests cut a link
//       or fill a disk at that moment, with the connections open).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "migrate/test_hooks.hpp"

namespace {

void hold_at(const std::string& point) {
  static const char* wanted = std::getenv("REHOME_TEST_HOLD_AT");
  static const char* until = std::getenv("REHOME_TEST_HOLD_UNTIL");
  if (wanted == nullptr || until == nullptr || point != wanted) return;
  std::fprintf(stderr, "rehome: test hold at %s\n", wanted);
  std::fflush(stderr);
  while (!std::filesystem::exists(until)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

void pause_at(const std::string& phase, const std::string& object) {
  hold_at(phase + ":" + object);
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
