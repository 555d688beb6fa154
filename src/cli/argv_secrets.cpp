#include "cli/argv_secrets.hpp"

#include <iostream>

#include "engines/url.hpp"

namespace rehome::cli {

void warn_if_password_in_argv(const std::string& flag, const std::string& url) {
  if (auto w = engines::password_in_argv_warning(flag, url); !w.empty()) std::cerr << w << "\n";
}

}  // namespace rehome::cli
