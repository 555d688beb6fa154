#include "model/units.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace rehome::model {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Splits "1.5G" into 1.5 and "g" (suffix lower-cased, spaces dropped). False when no number leads.
bool split_number(std::string_view text, double& number, std::string& suffix) {
  text = trim(text);
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, number);
  if (ec != std::errc() || ptr != text.data() + i || !std::isfinite(number)) return false;
  suffix = lower(trim(text.substr(i)));
  return true;
}

}  // namespace

std::optional<Bytes> parse_bytes(std::string_view text) {
  double n = 0;
  std::string unit;
  if (!split_number(text, n, unit)) return std::nullopt;
  double mult;
  if (unit.empty() || unit == "b") mult = 1;
  else if (unit == "k" || unit == "kb" || unit == "ki" || unit == "kib") mult = static_cast<double>(KiB);
  else if (unit == "m" || unit == "mb" || unit == "mi" || unit == "mib") mult = static_cast<double>(MiB);
  else if (unit == "g" || unit == "gb" || unit == "gi" || unit == "gib") mult = static_cast<double>(GiB);
  else if (unit == "t" || unit == "tb" || unit == "ti" || unit == "tib") mult = static_cast<double>(GiB) * 1024;
  else return std::nullopt;
  double bytes = n * mult;
  if (bytes > 9.0e18) return std::nullopt;
  return static_cast<Bytes>(std::llround(bytes));
}

std::optional<MilliCpu> parse_cpu(std::string_view text) {
  double n = 0;
  std::string unit;
  if (!split_number(text, n, unit)) return std::nullopt;
  if (unit == "m") return static_cast<MilliCpu>(std::llround(n));
  if (unit.empty() || unit == "cpu" || unit == "cpus" || unit == "core" || unit == "cores" ||
      unit == "thread" || unit == "threads") {
    if (n > 1e9) return std::nullopt;
    return static_cast<MilliCpu>(std::llround(n * 1000));
  }
  return std::nullopt;
}

std::optional<Millis> parse_duration(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  double total = 0;
  bool any = false;
  while (!text.empty()) {
    size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (i == 0) return std::nullopt;
    double n = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, n);
    if (ec != std::errc() || ptr != text.data() + i) return std::nullopt;
    text.remove_prefix(i);
    size_t j = 0;
    while (j < text.size() && std::isalpha(static_cast<unsigned char>(text[j]))) ++j;
    std::string unit = lower(text.substr(0, j));
    text = trim(text.substr(j));
    double mult;
    if (unit == "ms") mult = 1;
    else if (unit.empty() || unit == "s") mult = 1000;
    else if (unit == "m" || unit == "min") mult = 60000;
    else if (unit == "h") mult = 3600000;
    else if (unit == "d") mult = 86400000;
    else return std::nullopt;
    if (unit.empty() && !text.empty()) return std::nullopt;
    total += n * mult;
    any = true;
  }
  if (!any || total > 9.0e15) return std::nullopt;
  return static_cast<Millis>(std::llround(total));
}

std::string format_bytes(Bytes bytes) {
  double b = static_cast<double>(bytes);
  if (std::llabs(bytes) >= GiB) return fmt::format("{:.1f} GB", b / static_cast<double>(GiB));
  if (std::llabs(bytes) >= MiB) return fmt::format("{:.0f} MB", b / static_cast<double>(MiB));
  if (std::llabs(bytes) >= KiB) return fmt::format("{:.0f} KB", b / static_cast<double>(KiB));
  return fmt::format("{} B", bytes);
}

std::string format_cpu(MilliCpu cpu) {
  if (cpu % 1000 == 0) return fmt::format("{}", cpu / 1000);
  return fmt::format("{:.2g}", static_cast<double>(cpu) / 1000.0);
}

std::string format_duration(Millis ms) {
  if (ms < 1000) return fmt::format("{} ms", ms);
  Millis s = ms / 1000;
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return s % 60 ? fmt::format("{}m {}s", s / 60, s % 60) : fmt::format("{} min", s / 60);
  return fmt::format("{}h {}m", s / 3600, (s % 3600) / 60);
}

std::string canonical_bytes(Bytes bytes) {
  if (bytes != 0 && bytes % GiB == 0) return fmt::format("{}G", bytes / GiB);
  if (bytes != 0 && bytes % MiB == 0) return fmt::format("{}M", bytes / MiB);
  // A size people wrote with a decimal ("5.7G") reads back exactly from the same short form.
  for (auto [unit, suffix] : {std::pair{GiB, 'G'}, std::pair{MiB, 'M'}}) {
    if (std::llabs(bytes) < unit) continue;
    for (int decimals = 1; decimals <= 3; ++decimals) {
      std::string text = fmt::format("{:.{}f}{}", static_cast<double>(bytes) / static_cast<double>(unit), decimals, suffix);
      if (parse_bytes(text) == bytes) return text;
    }
  }
  if (bytes != 0 && bytes % KiB == 0) return fmt::format("{}K", bytes / KiB);
  return fmt::format("{}", bytes);
}

std::string canonical_cpu(MilliCpu cpu) {
  if (cpu % 1000 == 0) return fmt::format("{}", cpu / 1000);
  return fmt::format("{}m", cpu);
}

std::string canonical_duration(Millis ms) {
  if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
  return fmt::format("{}ms", ms);
}

}  // namespace rehome::model
