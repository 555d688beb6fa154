#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

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

// Interpolation for the importer: what compose would substitute, except that the values of secret
// variables (is_secret_name) are never substituted: `${DBPASS}` stays as the mark
// kSecretOpen + "${DBPASS}" + kSecretClose, so a password never enters the tree, and the mapper turns
// the mark into a reference (a Swarm secret). Unset variables used without a default are listed.
inline constexpr char kSecretOpen = '\x01';
inline constexpr char kSecretClose = '\x02';
struct Interpolation {
  const Variables& vars;
  bool mark_secrets = true;
  std::vector<std::string> unset;
  std::set<std::string> secret_vars;  // also secrets: variables given to a secret-named key (DBROOT)  //
                                      // "file:line: NAME", in order, as compose warns about them
};
std::string interpolate(const std::string& value, Interpolation& ctx, const std::string& where);

// True for names that hold secrets: PASSWORD, PASSWD, SECRET, TOKEN, CREDENTIAL(S), PRIVATE, a `KEY`,
// `PASS`, `PWD` part or a part ending in KEY (APIKEY), the whole name or an `_`-separated part of it.
// `*_FILE` names (paths to a secret) are not secrets themselves.
bool is_secret_name(const std::string& name);

// True for a value holding credentials: scheme://user:password@host, or password=... in a DSN.
bool has_inline_credentials(const std::string& value);

// Compose's marks back to the text compose had (`${DBPASS}`): the template `rehome secrets create`
// interpolates with the user's .env at deploy time.
std::string unmark(const std::string& value);
bool has_secret_mark(const std::string& value);

}  // namespace rehome::import
