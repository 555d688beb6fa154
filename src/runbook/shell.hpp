#pragma once
#include <string>
#include <vector>

namespace rehome::runbook {

// 'text' quoted for a POSIX shell (single quotes; embedded ' becomes '\'').
std::string shell_quote(const std::string& text);

// Quotes only when needed, so commands stay readable: plain words pass through.
std::string shell_word(const std::string& text);

// "gibd-postgres" -> "GIBD_POSTGRES": the prefix of a service's credential variables.
std::string variable_prefix(const std::string& service);

// Joins words with a separator.
std::string join(const std::vector<std::string>& words, const std::string& separator);

// A shell loop that retries `check` every 2 s for up to `seconds`, for things that converge.
std::string retry_until(const std::string& check, int seconds);

}  // namespace rehome::runbook
