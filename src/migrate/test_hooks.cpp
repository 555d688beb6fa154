#include "migrate/test_hooks.hpp"

namespace rehome::migrate {
namespace {

TestHooks& installed() {
  static TestHooks hooks;  // none in the release binary
  return hooks;
}

}  // namespace

void install_test_hooks(const TestHooks& hooks) { installed() = hooks; }

void pause_point(const std::string& phase, const std::string& object) {
  if (auto hook = installed().pause_point) hook(phase, object);
}

bool skew_stream_hash(const std::string& table) {
  auto hook = installed().skew_stream_hash;
  return hook != nullptr && hook(table);
}

}  // namespace rehome::migrate
