#include "migrate/progress.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "model/units.hpp"

namespace rehome::migrate {

std::string format_duration(double seconds) {
  auto s = static_cast<int64_t>(std::llround(std::max(0.0, seconds)));
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

std::string format_count(double n) {
  if (n >= 1e6) return fmt::format("{:.1f}M", n / 1e6);
  if (n >= 1e4) return fmt::format("{:.0f}k", n / 1e3);
  return fmt::format("{:.0f}", n);
}

std::string format_thousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string format_progress(const Progress& p) {
  double t = std::max(p.elapsed_seconds, 1e-3);
  double rate = static_cast<double>(p.done) / t;
  std::string line = fmt::format("{:<8}", p.phase);
  if (p.total > 0) {
    double fraction = std::min(1.0, static_cast<double>(p.done) / static_cast<double>(p.total));
    line += fmt::format(" {:3.0f}%", fraction * 100);
  }
  if (p.bytes) {
    line += fmt::format("  {}", model::format_bytes(p.done));
    if (p.total > 0) line += fmt::format(" / {}", model::format_bytes(p.total));
    line += fmt::format("  {}/s", model::format_bytes(static_cast<int64_t>(rate)));
  } else {
    line += fmt::format("  {}", p.done);
    if (p.total > 0) line += fmt::format(" / {}", p.total);
  }
  if (p.rows > 0) line += fmt::format("  {} rows/s", format_count(static_cast<double>(p.rows) / t));
  if (p.total > p.done && rate > 0) {
    line += fmt::format("  ETA {}", format_duration(static_cast<double>(p.total - p.done) / rate));
  }
  return line;
}

}  // namespace rehome::migrate
