#pragma once
// Test helpers shared by unit_backup and real_backup: a scoped environment variable (TZ, PATH) and
// unix time from a local calendar time.
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <string>

namespace rehome::test {

// Sets an environment variable for one scope (and re-reads TZ).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) {
      had_ = true;
      old_ = old;
    }
    ::setenv(name, value.c_str(), 1);
    ::tzset();
  }
  ~ScopedEnv() {
    if (had_)
      ::setenv(name_, old_.c_str(), 1);
    else
      ::unsetenv(name_);
    ::tzset();
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  bool had_ = false;
  std::string old_;
};

// Unix seconds of a local (TZ) calendar time; DST resolved by mktime.
inline std::int64_t local_unix(int year, int month, int day, int hour = 3, int minute = 0) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_isdst = -1;
  return static_cast<std::int64_t>(std::mktime(&tm));
}

}  // namespace rehome::test
