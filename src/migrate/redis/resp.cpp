#include "migrate/redis/resp.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/secrets.hpp"

namespace rehome::migrate {
namespace {

void append_number_line(std::string& out, char type, int64_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.push_back(type);
  out.append(digits, end);
  out.append("\r\n", 2);
}

int64_t parse_number(std::string_view text, bool& ok) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  ok = ec == std::errc() && end == text.data() + text.size();
  return n;
}

}  // namespace

void append_array_header(std::string& out, size_t n) {
  append_number_line(out, '*', static_cast<int64_t>(n));
}

void append_bulk(std::string& out, std::string_view value) {
  append_number_line(out, '$', static_cast<int64_t>(value.size()));
  out.append(value);
  out.append("\r\n", 2);
}

void append_command(std::string& out, std::initializer_list<std::string_view> argv) {
  append_array_header(out, argv.size());
  for (auto a : argv) append_bulk(out, a);
}

RespStream::RespStream(int fd, std::string where) : fd_(fd), where_(std::move(where)), buf_(1 << 18) {}

void RespStream::fail(const std::string& what) const {
  throw UserError(fmt::format("{} on {}", what, where_), "check that the server is still running");
}

void RespStream::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(fmt::format("writing failed ({})", n < 0 ? std::strerror(errno) : "closed"));
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

void RespStream::need(size_t n) {
  if (end_ - pos_ >= n) return;
  if (pos_ > 0) {  // keep the unread bytes at the front
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  if (buf_.size() < n) buf_.resize(std::max(n, buf_.size() * 2));
  while (end_ < n) {
    ssize_t got = ::recv(fd_, buf_.data() + end_, buf_.size() - end_, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) fail("no reply in time (timed out)");
    if (got <= 0)
      fail(fmt::format("reading failed ({})", got < 0 ? std::strerror(errno) : "connection closed"));
    end_ += static_cast<size_t>(got);
  }
}

std::string_view RespStream::line() {
  size_t scanned = 0;
  for (;;) {
    const char* start = buf_.data() + pos_;
    const void* cr = std::memchr(start + scanned, '\r', end_ - pos_ - scanned);
    if (cr != nullptr) {
      size_t len = static_cast<size_t>(static_cast<const char*>(cr) - start);
      if (len + 2 <= end_ - pos_) {
        std::string_view out(start, len);
        pos_ += len + 2;
        return out;
      }
      scanned = len;
      need(len + 2);
      continue;
    }
    scanned = end_ - pos_;
    need(scanned + 1);
  }
}

char RespStream::next_type() {
  need(1);
  return buf_[pos_];
}

int64_t RespStream::header(char type, const char* what) {
  char t = next_type();
  std::string_view l = line();
  bool ok = false;
  int64_t n = t == type ? parse_number(l.substr(1), ok) : 0;
  if (t == '-') throw UserError(fmt::format("{} replied {}", where_, mask_secrets(std::string(l.substr(1)))));
  if (!ok) fail(fmt::format("unexpected reply '{}' where {} was due", l.substr(0, 80), what));
  return n;
}

int64_t RespStream::integer() { return header(':', "a number"); }

int64_t RespStream::array() { return header('*', "an array"); }

std::optional<std::string_view> RespStream::bulk() {
  int64_t n = header('$', "a string");
  if (n < 0) return std::nullopt;
  need(static_cast<size_t>(n) + 2);
  std::string_view out(buf_.data() + pos_, static_cast<size_t>(n));
  pos_ += static_cast<size_t>(n) + 2;
  return out;
}

std::optional<std::string> RespStream::status_or_error() {
  char t = next_type();
  std::string_view l = line();
  if (t == '+') return std::nullopt;
  if (t == '-') return std::string(l.substr(1));
  fail(fmt::format("unexpected reply '{}' where a status was due", l.substr(0, 80)));
}

}  // namespace rehome::migrate
