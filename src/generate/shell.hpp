#pragma once
// Helpers for the generated shell scripts (bootstrap.sh, firewall/<server>.sh).
#include <string>

namespace rehome::generate {

// A word safe to paste into bash: plain when it is only [A-Za-z0-9_./:=@%+,-], else single-quoted.
std::string shell_quote(const std::string& word);

}  // namespace rehome::generate
