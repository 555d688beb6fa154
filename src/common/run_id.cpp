#include "common/run_id.hpp"

#include <random>

#include <fmt/format.h>

namespace rehome {

std::string new_run_id() {
  std::random_device rd;
  return fmt::format("{:08x}{:08x}", rd(), rd());
}

}  // namespace rehome
