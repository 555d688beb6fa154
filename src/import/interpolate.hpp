#pragma once
#include <map>
#include <string>

namespace rehome::import {

// Variables for `${VAR}` interpolation, in Compose's order: the process environment wins over the
// project's .env file (or --env-file).
using Variables = std::map<std::string, std::string>;

// Parses a Compose env file: `KEY=value`, `export KEY=value`, `# comments`, blank lines, values in
// single quotes (literal) or double quotes (\n, \", \\ escapes), unquoted values with ` #` comments.
// `where` names the file in errors; throws UserError("file:line: ...") on a line with no `=`.
Variables parse_env_file(const std::string& text, const std::string& where);

// Interpolates one value as Compose does: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
// ${VAR:?error}, ${VAR?error}, ${VAR:+replacement}, ${VAR+replacement}, and `$$` for a literal `$`.
// Defaults are interpolated themselves (nested ${...}). `where` ("file:line") names the value in
// errors: an unset required variable or a malformed `${` throws UserError.
std::string interpolate(const std::string& value, const Variables& vars, const std::string& where);

}  // namespace rehome::import
