#pragma once
// Pure: progress figures of a long step and their rendering (rows/s, MB/s, ETA).
#include <cstdint>
#include <string>

namespace rehome::migrate {

struct Progress {
  std::string phase;  // "copy", "indexes", "verify", "redis"
  int64_t done = 0;   // units of `unit` done (bytes for copy, statements, keys ...)
  int64_t total = 0;  // estimate; 0 when unknown
  int64_t rows = 0;   // rows (or keys) so far
  double elapsed_seconds = 0;
  bool bytes = true;  // `done`/`total` are bytes (else counts)
};

// "copy   41%  412 MB / 1.0 GB  96.3 MB/s  812k rows/s  ETA 0:06"
std::string format_progress(const Progress& p);
// "0:06", "1:02:03"
std::string format_duration(double seconds);
// "812k", "1.2M", "950"
std::string format_count(double n);
// "1,234,567", "-42": an exact count for tables
std::string format_thousands(int64_t n);

}  // namespace rehome::migrate
