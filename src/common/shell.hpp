#pragma once
// Quoting for POSIX sh (and bash, dash, ash): words of the generated scripts (bootstrap.sh, the
// firewall scripts) and of the commands the runbook runs locally or through ssh. Both functions make
// one shell word that the shell reads back as exactly `text`: no expansion, no splitting, no globbing.
// They are not for other quoting contexts (SQL, libpq conninfo, YAML, Windows cmd).
#include <string>

namespace rehome {

// Always single-quoted: 'text', an embedded ' written as '\''. For values whose look may vary (a
// password, a query, a line of a file), so the script reads the same whatever they hold.
std::string shell_quote(const std::string& text);

// As shell_quote, but a word made only of [A-Za-z0-9_./:=@%+,-] is left bare, so commands stay
// readable ("docker", "10.0.0.80:2377"); "" becomes ''.
std::string shell_word(const std::string& text);

}  // namespace rehome
