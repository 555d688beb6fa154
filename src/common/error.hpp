#pragma once
#include <stdexcept>
#include <string>

namespace rehome {

// An error a person can act on: what went wrong (naming the file:line or object) and what to do.
// The CLI prints it without a stack of internals and exits with `exit_code`.
class UserError : public std::runtime_error {
 public:
  explicit UserError(std::string what, std::string hint = {}, int exit_code = 2)
      : std::runtime_error(std::move(what)), hint_(std::move(hint)), exit_code_(exit_code) {}
  const std::string& hint() const { return hint_; }
  int exit_code() const { return exit_code_; }

 private:
  std::string hint_;
  int exit_code_;
};

// Exit codes shared by every subcommand.
namespace exit_code {
inline constexpr int ok = 0;
inline constexpr int findings = 1;   // the command ran and found a problem (plan infeasible, check failed, ...)
inline constexpr int bad_input = 2;  // malformed file, bad flag, unreachable server, missing tool
}  // namespace exit_code

}  // namespace rehome
