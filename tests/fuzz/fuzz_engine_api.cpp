// libFuzzer target: any bytes as an answer from a Docker engine's socket. The HTTP framing
// (parse_http_response, response_complete, decode_chunked) gives a response, nullopt ("not a Docker
// socket") or a UserError; a body that is JSON is then read as the Engine API's /info, /nodes,
// /services, /tasks and /containers answers (parse_deployment), which must reject any shape the API
// does not document with a UserError, never a crash or another exception.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "engines/http_response.hpp"
#include "validate/discover.hpp"

namespace {
void deployment_from(const nlohmann::json& j) {
  using nlohmann::json;
  // The same answer tried in each position (/info, /nodes, /services, /tasks, /containers), beside
  // well-formed answers for the others.
  for (size_t at = 0; at < 5; ++at) {
    std::array<json, 5> a{json::object({{"Swarm", json::object({{"LocalNodeState", "active"}})}}),
                          json::array(), json::array(), json::array(), json::array()};
    a[at] = j;
    try {
      (void)rehome::validate::parse_deployment(a[0], a[1], a[2], a[3], a[4]);
    } catch (const rehome::UserError&) {
    }
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string raw(reinterpret_cast<const char*>(data), size);
  (void)rehome::engines::response_complete(raw);
  std::string body = raw;
  try {
    auto response = rehome::engines::parse_http_response(raw, "fuzz.sock");
    if (response) body = response->body;
  } catch (const rehome::UserError&) {
  }
  try {
    (void)rehome::engines::decode_chunked(raw, "fuzz.sock");
  } catch (const rehome::UserError&) {
  }
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) deployment_from(j);
  return 0;
}
