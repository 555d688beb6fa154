#pragma once
// HTTP/1.1 responses as the Docker engine sends them over its unix socket: pure parsing, so the
// framing (Content-Length, chunked transfer encoding) is unit-tested without a socket.
#include <map>
#include <optional>
#include <string>

namespace rehome::engines {

struct HttpResponse {
  int status = 0;
  std::string reason;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;                            // de-chunked
};

// Parses a complete response (everything read until the server closed the connection, or until
// `response_complete` said so). nullopt when `raw` does not start like an HTTP response at all (so
// the caller can say "not a Docker socket"); throws UserError naming `source` when it is cut short
// or its chunked framing is malformed.
std::optional<HttpResponse> parse_http_response(const std::string& raw, const std::string& source);

// True once `raw` holds a whole response (headers plus the full body per Content-Length or the
// final zero-size chunk), so a keep-alive server need not close the connection.
bool response_complete(const std::string& raw);

// Decodes a chunked body ("1a\r\n...\r\n0\r\n\r\n"); throws UserError naming `source` when malformed.
std::string decode_chunked(const std::string& body, const std::string& source);

}  // namespace rehome::engines
