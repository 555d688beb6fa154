#pragma once
// RESP over a connected socket without a reply object per element: the copy's hot path reads the
// source's replies in place and writes the target's commands as bytes (hiredis sets the connection up).
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rehome::migrate {

// Appends RESP to `out`: an array header, one bulk string, or a whole command.
void append_array_header(std::string& out, size_t n);
void append_bulk(std::string& out, std::string_view value);
void append_command(std::string& out, std::initializer_list<std::string_view> argv);

class RespStream {
 public:
  // `where` names the server in messages ("the target Redis redis://...:6380").
  RespStream(int fd, std::string where);

  void send(std::string_view bytes);

  // Each reads one element; an error reply throws UserError with its text unless noted.
  int64_t array();                               // "*N"; -1 for a nil array
  std::optional<std::string_view> bulk();        // "$N": nullopt for nil; valid until the next read
  int64_t integer();                             // ":N"
  std::optional<std::string> status_or_error();  // "+..." -> nullopt, "-..." -> its text

 private:
  char next_type();
  int64_t header(char type, const char* what);  // "<type>N" as N; an error reply throws
  std::string_view line();                      // the next line without CRLF
  void need(size_t n);                          // at least n unread bytes buffered
  [[noreturn]] void fail(const std::string& what) const;

  int fd_;
  std::string where_;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
};

}  // namespace rehome::migrate
