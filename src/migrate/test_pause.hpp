#pragma once
// Test-only hook so kill -9 tests land at a precise moment: when REHOME_TEST_PAUSE_AT equals
// "<phase>:<object>" (e.g. "copy:public.big#2", "between:public.small", "index:t_x_idx",
// "redis:3"), the process prints "rehome: test pause at <phase>:<object>" on stderr and sleeps
// until it is killed. Unset (always, outside tests), it costs one comparison.
#include <string>

namespace rehome::migrate {

void pause_point(const std::string& phase, const std::string& object);

// Test-only: true when REHOME_TEST_SKEW_STREAM_HASH names `table` ("public.small_03"); the copy then
// records a wrong stream sum for it, as a RowHasher that hashes some value unlike the server would,
// so tests see the byte-exact readback that follows. Unset (always, outside tests): false.
bool skew_stream_hash(const std::string& table);

}  // namespace rehome::migrate
