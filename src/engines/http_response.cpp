#include "engines/http_response.hpp"

#include <cctype>

#include "common/error.hpp"

namespace rehome::engines {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Head {
  size_t body_start = 0;
  HttpResponse response;
};

std::optional<Head> parse_head(const std::string& raw) {
  size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos) return std::nullopt;
  Head head;
  head.body_start = end + 4;
  size_t line_end = raw.find("\r\n");
  std::string status_line = raw.substr(0, line_end);
  // "HTTP/1.1 200 OK"
  if (status_line.size() < 12 || status_line.rfind("HTTP/1.", 0) != 0) return std::nullopt;
  std::string code = status_line.substr(9, 3);
  if (code.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  head.response.status = std::stoi(code);
  head.response.reason = status_line.size() > 13 ? status_line.substr(13) : "";
  size_t pos = line_end + 2;
  while (pos < end) {
    size_t next = raw.find("\r\n", pos);
    std::string line = raw.substr(pos, next - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      size_t b = value.find_first_not_of(" \t");
      head.response.headers[lower(line.substr(0, colon))] = b == std::string::npos ? "" : value.substr(b);
    }
    pos = next + 2;
  }
  return head;
}

bool chunked(const HttpResponse& r) {
  auto it = r.headers.find("transfer-encoding");
  return it != r.headers.end() && lower(it->second).find("chunked") != std::string::npos;
}

std::optional<size_t> content_length(const HttpResponse& r) {
  auto it = r.headers.find("content-length");
  if (it == r.headers.end() || it->second.empty() || it->second.size() > 15 ||
      it->second.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::stoull(it->second);
}

// Walks the chunks; returns the decoded body, or nullopt when the input ends before the last chunk.
// Throws on malformed framing.
std::optional<std::string> walk_chunks(const std::string& body, const std::string& source) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t line_end = body.find("\r\n", pos);
    if (line_end == std::string::npos) return std::nullopt;
    std::string size_text = body.substr(pos, line_end - pos);
    size_text = size_text.substr(0, size_text.find(';'));  // chunk extensions
    if (size_text.empty() || size_text.size() > 15 ||
        size_text.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
      throw UserError(
          source + ": malformed chunk size \"" + size_text.substr(0, 20) + "\" in the HTTP response",
          "check that the socket belongs to a Docker engine");
    size_t size = std::stoull(size_text, nullptr, 16);
    pos = line_end + 2;
    if (size == 0) return out;
    if (body.size() < pos + size + 2) return std::nullopt;
    out.append(body, pos, size);
    pos += size + 2;
  }
}

}  // namespace

std::string decode_chunked(const std::string& body, const std::string& source) {
  auto out = walk_chunks(body, source);
  if (!out)
    throw UserError(source + ": the HTTP response ended in the middle of a chunk",
                    "retry; check the engine's log");
  return *out;
}

bool response_complete(const std::string& raw) {
  auto head = parse_head(raw);
  if (!head) return false;
  std::string body = raw.substr(head->body_start);
  if (chunked(head->response)) {
    try {
      return walk_chunks(body, "").has_value();
    } catch (const UserError&) {
      return true;  // malformed: stop reading, parse_http_response reports it
    }
  }
  if (auto length = content_length(head->response)) return body.size() >= *length;
  int s = head->response.status;
  return s == 204 || s == 304 || (s >= 100 && s < 200);
}

std::optional<HttpResponse> parse_http_response(const std::string& raw, const std::string& source) {
  auto head = parse_head(raw);
  if (!head) {
    if (raw.rfind("HTTP/", 0) == 0 && raw.find("\r\n\r\n") == std::string::npos)
      throw UserError(source + ": the HTTP response ended inside its headers",
                      "retry; check the engine's log");
    return std::nullopt;
  }
  HttpResponse r = std::move(head->response);
  std::string body = raw.substr(head->body_start);
  if (chunked(r)) {
    r.body = decode_chunked(body, source);
  } else if (auto length = content_length(r)) {
    if (body.size() < *length)
      throw UserError(source + ": the HTTP response is shorter than its Content-Length",
                      "retry; check the engine's log");
    r.body = body.substr(0, *length);
  } else {
    r.body = body;
  }
  return r;
}

}  // namespace rehome::engines
