#include "runbook/shell.hpp"

#include <cctype>

#include <fmt/format.h>

namespace rehome::runbook {

std::string variable_prefix(const std::string& service) {
  std::string out;
  for (unsigned char c : service) out += std::isalnum(c) ? static_cast<char>(std::toupper(c)) : '_';
  if (!out.empty() && std::isdigit(static_cast<unsigned char>(out[0]))) out = "S_" + out;
  return out;
}

std::string join(const std::vector<std::string>& words, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) out += (i ? separator : "") + words[i];
  return out;
}

std::string retry_until(const std::string& check, int seconds) {
  int tries = seconds / 2 > 0 ? seconds / 2 : 1;
  return fmt::format("i=0; until {}; do i=$((i+1)); [ $i -ge {} ] && exit 1; sleep 2; done", check, tries);
}

std::string swarm_retry(const std::string& command, int seconds) {
  int tries = seconds / 2 > 0 ? seconds / 2 : 1;
  return fmt::format(
      "i=0; while :; do out=$({} 2>&1) && {{ printf '%s\n' \"$out\"; break; }}; printf '%s\n' \"$out\" >&2; "
      "case $out in *leader*|*'deadline exceeded'*|*Unavailable*|*'out of sequence'*) ;; *) exit 1 ;; esac; "
      "i=$((i+1)); [ $i -ge {} ] && exit 1; "
      "echo 'the Swarm did not answer (no leader): trying again in 2 s' >&2; sleep 2; done",
      command, tries);
}

std::string stack_converged(const std::string& stack, int seconds) {
  return retry_until(
      fmt::format("docker stack services {} --format '{{{{.Replicas}}}}' | awk -F'[/ ]' 'NF{{n++}} "
                  "$1!=$2{{bad=1}} END{{exit (bad || !n)}}'",
                  stack),
      seconds);
}

}  // namespace rehome::runbook
