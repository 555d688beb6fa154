#pragma once
#include <string>
#include <vector>

#include "common/shell.hpp"  // shell_quote, shell_word: POSIX sh words

namespace rehome::runbook {

// "gibd-postgres" -> "GIBD_POSTGRES": the prefix of a service's credential variables.
std::string variable_prefix(const std::string& service);

// Joins words with a separator.
std::string join(const std::vector<std::string>& words, const std::string& separator);

// A shell loop that retries `check` every 2 s for up to `seconds`, for things that converge.
std::string retry_until(const std::string& check, int seconds);

// Runs a Swarm control-plane command (`docker stack deploy`, idempotent), and runs it again every 2 s
// for up to `seconds` while the manager answers with a transient error: the Swarm has no leader, lost
// it mid-request (a manager's link down, an election), a deadline passed, or another client updated a
// service between its read and write ("update out of sequence"). Any other error fails at
// once. Each failed try's output goes to stderr, so a step that still fails shows every answer.
std::string swarm_retry(const std::string& command, int seconds);

// Retries until every service of `stack` runs all its replicas (a held service: 0/0), up to `seconds`.
std::string stack_converged(const std::string& stack, int seconds);

}  // namespace rehome::runbook
