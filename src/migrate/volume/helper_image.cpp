#include "migrate/volume/helper_image.hpp"

#include <xxhash.h>

#include <cstdio>
#include <cstring>

#include "common/error.hpp"

// The static helper, linked in by objcopy (src/migrate/CMakeLists.txt).
extern "C" const char _binary_rehome_volume_helper_start[];
extern "C" const char _binary_rehome_volume_helper_end[];

namespace rehome::migrate::volume {
namespace {

using nlohmann::json;

std::string octal(uint64_t v, size_t width) {  // width-1 digits and a NUL
  std::string s(width - 1, '0');
  for (size_t i = width - 1; i-- > 0 && v;) {
    s[i] = static_cast<char>('0' + (v & 7));
    v >>= 3;
  }
  return s + '\0';
}

// A ustar archive holding one executable file.
std::string one_file_tar(const std::string& name, const std::string& content) {
  std::string h(512, '\0');
  std::memcpy(&h[0], name.data(), name.size());
  std::memcpy(&h[100], octal(0755, 8).data(), 8);
  std::memcpy(&h[108], octal(0, 8).data(), 8);
  std::memcpy(&h[116], octal(0, 8).data(), 8);
  std::memcpy(&h[124], octal(content.size(), 12).data(), 12);
  std::memcpy(&h[136], octal(0, 12).data(), 12);
  h[156] = '0';
  std::memcpy(&h[257],
              "ustar\0"
              "00",
              8);
  std::memset(&h[148], ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::memcpy(&h[148], octal(sum, 7).data(), 7);
  std::string tar = h + content;
  tar.append((512 - content.size() % 512) % 512, '\0');
  tar.append(1024, '\0');
  return tar;
}

}  // namespace

std::string ensure_helper_image(const engines::DockerApi& api) {
  std::string program(
      _binary_rehome_volume_helper_start,
      static_cast<size_t>(_binary_rehome_volume_helper_end - _binary_rehome_volume_helper_start));
  char tag[17];
  std::snprintf(tag, sizeof(tag), "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(program.data(), program.size())));
  std::string image = std::string("rehome-volume-helper:") + tag;
  if (api.call("GET", "/images/" + image + "/json").status == 200) return image;
  auto answer = api.call("POST", std::string("/images/create?fromSrc=-&repo=rehome-volume-helper&tag=") + tag,
                         one_file_tar("rehome-volume-helper", program), "application/x-tar");
  if (answer.status != 200 || answer.body.find("\"error") != std::string::npos)
    throw UserError("Docker socket " + api.socket_path() +
                        ": importing the helper image failed: " + answer.body.substr(0, 300),
                    "check the engine's log and free space in its data-root");
  return image;
}

std::string create_helper(const engines::DockerApi& api, const std::string& image, const std::string& mode,
                          const Mount& mount) {
  json body = {{"Image", image},
               {"Cmd", {"/rehome-volume-helper", mode, "/v"}},
               {"AttachStdin", true},
               {"AttachStdout", true},
               {"AttachStderr", true},
               {"OpenStdin", true},
               {"StdinOnce", true},
               {"Tty", false},
               {"NetworkDisabled", true},
               {"Labels", {{"rehome.volume-helper", mode}}},
               // No log driver: the data streams through stdout and must not be copied into a log.
               {"HostConfig",
                {{"Binds", {mount.bind()}}, {"NetworkMode", "none"}, {"LogConfig", {{"Type", "none"}}}}}};
  json created = api.call_json("POST", "/containers/create", body);
  return created.at("Id").get<std::string>();
}

void start_container(const engines::DockerApi& api, const std::string& id) {
  api.call_json("POST", "/containers/" + id + "/start");
}

void remove_container(const engines::DockerApi& api, const std::string& id) {
  try {
    api.call("DELETE", "/containers/" + id + "?force=1");
  } catch (const std::exception&) {
  }
}

bool container_running(const engines::DockerApi& api, const std::string& id) {
  // Only the engine's own word counts: its inspect saying not running, or its "No such container".
  // Anything else (no answer within 5 s, an answer that is not the engine's) leaves the write's own
  // idle limit to decide.
  try {
    auto answer =
        api.call("GET", "/containers/" + id + "/json", {}, "application/json", std::chrono::seconds(5));
    json body = json::parse(answer.body, nullptr, false);
    if (!body.is_object()) return true;
    if (answer.status == 404) return body.value("message", "").find("No such container") == std::string::npos;
    if (answer.status != 200 || !body.contains("State") || !body["State"].is_object()) return true;
    return body["State"].value("Running", true);
  } catch (const std::exception&) {
    return true;
  }
}

void remove_stale_helpers(const engines::DockerApi& api) {
  json list = api.call_json("GET", "/containers/json?all=1&filters=" +
                                       std::string("%7B%22label%22%3A%5B%22rehome.volume-helper%22%5D%7D"));
  for (const auto& c : list) remove_container(api, c.at("Id").get<std::string>());
}

}  // namespace rehome::migrate::volume
