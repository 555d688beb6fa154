#pragma once
// Each URL flag of a command that holds a password draws one warning on stderr naming the engine's own,
// safer way (engines::password_in_argv_warning); the password itself is never printed.
#include <string>

namespace rehome::cli {

void warn_if_password_in_argv(const std::string& flag, const std::string& url);

}  // namespace rehome::cli
