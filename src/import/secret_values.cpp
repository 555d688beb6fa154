#include "import/secret_values.hpp"

#include <filesystem>

#include "common/error.hpp"

namespace rehome::import {

std::string base64(const std::string& bytes) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8) | static_cast<unsigned char>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += table[(v >> shift) & 63];
  }
  if (i + 1 == bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    unsigned v =
        (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::vector<SecretValue> secret_values(const model::Estate& estate,
                                       const std::optional<Variables>& env_override, const FileReader& read) {
  std::vector<SecretValue> out;
  std::map<std::string, std::optional<Variables>> env_files;
  for (const auto& src : estate.secrets) {
    SecretValue v{.name = src.name};
    if (!src.file.empty()) {
      v.source = src.file;
      if (auto content = read(src.file))
        v.value = *content;
      else
        v.problem = "file " + src.file + " not found";
      out.push_back(std::move(v));
      continue;
    }
    const Variables* vars = nullptr;
    if (env_override) {
      vars = &*env_override;
      v.source = "stdin/--env-file";
    } else if (!src.env_file.empty()) {
      auto [it, fresh] = env_files.try_emplace(src.env_file);
      if (fresh)
        if (auto text = read(src.env_file)) it->second = parse_env_file(*text, src.env_file);
      if (it->second) vars = &*it->second;
      v.source = src.env_file;
    }
    v.source += " (" + src.from + ")";
    if (!vars) {
      v.problem = src.env_file.empty() ? "no env file recorded: give one with --env-file or on stdin"
                                       : "env file " + src.env_file + " not found";
      out.push_back(std::move(v));
      continue;
    }
    // Every variable of the template must be set: a blank password is never what was meant.
    Interpolation ctx{*vars, false, {}};
    try {
      std::string value = interpolate(src.from, ctx, src.name);
      if (!ctx.unset.empty()) {
        std::string names;
        for (const auto& u : ctx.unset) names += (names.empty() ? "" : ", ") + u.substr(u.rfind(": ") + 2);
        v.problem = "not set: " + names;
      } else if (value.empty()) {
        v.problem = "the value is empty";
      } else {
        v.value = std::move(value);
      }
    } catch (const UserError& e) {
      v.problem = "cannot read the template " + src.from;
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<SecretResult> create_secrets(const engines::DockerClient& client,
                                         const std::vector<SecretValue>& values, const std::string& label) {
  std::vector<SecretResult> results;
  for (const auto& v : values) {
    SecretResult r{.name = v.name, .source = v.source};
    if (!v.value) {
      r.detail = v.problem;
      results.push_back(std::move(r));
      continue;
    }
    nlohmann::json body{{"Name", v.name}, {"Data", base64(*v.value)}, {"Labels", {{"rehome.estate", label}}}};
    nlohmann::json answer;
    int status = client.post("/secrets/create", body, answer);
    body["Data"] = "";
    if (status >= 200 && status < 300) {
      r.outcome = SecretOutcome::created;
    } else if (status == 409) {
      r.outcome = SecretOutcome::exists;
      r.detail = "already on the cluster: kept (docker secret rm " + v.name + " to replace it)";
    } else {
      std::string message = answer.is_object() && answer.contains("message") && answer["message"].is_string()
                                ? answer["message"].get<std::string>()
                                : "HTTP " + std::to_string(status);
      throw UserError(
          "Docker socket " + client.socket_path() + ": creating secret " + v.name + " failed: " + message,
          status == 503 ? "this engine is not a Swarm manager: run it on a manager (docker swarm init)"
                        : "check the engine's log");
    }
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace rehome::import
