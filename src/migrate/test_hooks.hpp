#pragma once
// Points where a test build can stop or skew a migration, so kill -9 tests land at a precise moment
// and the readback that settles disagreeing stream sums can be shown. The release `rehome` installs
// no hooks: each point is one test of a null pointer, and no environment variable is read. The test
// binary `rehome-testhooks` (tests/testhooks/) installs hooks driven by REHOME_TEST_PAUSE_AT and
// REHOME_TEST_SKEW_STREAM_HASH; only the real tests run it.
#include <string>

namespace rehome::migrate {

struct TestHooks {
  // Called at ("copy", "public.big#2"), ("between", "public.small"), ("index", "t_x_idx"),
  // ("redis", "3"): may print and sleep until killed.
  void (*pause_point)(const std::string& phase, const std::string& object) = nullptr;
  // True for a table ("public.small_03") whose stream sum the copy should record wrong, as a RowHasher
  // that hashes some value unlike the server would.
  bool (*skew_stream_hash)(const std::string& table) = nullptr;
};

// For the whole process; from a static initializer of the test binary, before any migration runs.
void install_test_hooks(const TestHooks& hooks);

void pause_point(const std::string& phase, const std::string& object);
bool skew_stream_hash(const std::string& table);

}  // namespace rehome::migrate
