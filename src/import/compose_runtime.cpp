// How a compose service runs (environment, env_file, command, entrypoint, labels, configs, user,
// ulimits, tmpfs, logging ...) into model::Runtime. Secret values never enter the estate: a secret
// variable arrives here as a mark (interpolate.hpp), and every secret becomes a reference to a
// SecretSource that `rehome secrets create` fills at deploy time from the user's .env.
#include <algorithm>
#include <filesystem>

#include "common/error.hpp"
#include "import/compose_service.hpp"
#include "import/yaml_tree.hpp"

namespace rehome::import {
namespace {

namespace fs = std::filesystem;

// A name safe for a Swarm secret: lower case [a-z0-9_.-].
std::string secret_slug(const std::string& text) {
  std::string out;
  for (char c : text) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool ok = std::isalnum(static_cast<unsigned char>(l)) || l == '-' || l == '.';
    out += ok ? l : (l == '_' ? '-' : '-');
  }
  while (!out.empty() && (out.front() == '-' || out.front() == '.')) out.erase(out.begin());
  return out.empty() ? "secret" : out;
}

// "'" quoting for /bin/sh.
std::string sh_quote(const std::string& word) {
  std::string q = "'";
  for (char c : word) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The variable of a marked expression "${NAME...}".
std::string mark_variable(const std::string& expr) {
  size_t start = expr.rfind("${", 0) == 0 ? 2 : 1;
  if (start > expr.size()) return "";  // an empty mark (found by fuzzing: substr threw out_of_range)
  size_t end = start;
  while (end < expr.size() && (std::isalnum(static_cast<unsigned char>(expr[end])) || expr[end] == '_'))
    ++end;
  return expr.substr(start, end - start);
}

struct RuntimeMapper {
  const RawService& raw;
  const ProjectContext& project;
  const FileReader& read;
  ImportResult& result;
  model::Service& service;

  // The service's own line for a value that came from an anchor defined above it (`<<: *defaults`).
  std::string at(const YAML::Node& n) const {
    if (n.IsDefined() && !n.Mark().is_null() && n.Mark().line + 1 >= raw.line)
      return raw.file + ":" + std::to_string(n.Mark().line + 1);
    return raw.file + ":" + std::to_string(raw.line);
  }
  void note(const YAML::Node& n, const std::string& what) {
    result.notes.push_back({at(n), service.name, what});
  }
  void unmapped(const YAML::Node& n, const std::string& what) {
    result.unmapped.push_back({at(n), service.name, what});
  }
  std::string text(const YAML::Node& n, const std::string& what) const { return scalar(n, raw.file, what); }

  // Registers a secret source (once per name); a clash of names with another source gets the
  // service's name as prefix. Returns the name to refer to.
  std::string add_secret(std::string name, model::SecretSource source) {
    auto& all = result.estate.secrets;
    auto same_name = [&](const std::string& n) {
      return std::find_if(all.begin(), all.end(), [&](const model::SecretSource& s) { return s.name == n; });
    };
    auto it = same_name(name);
    if (it != all.end() &&
        (it->from != source.from || it->env_file != source.env_file || it->file != source.file)) {
      name = secret_slug(service.name + "-" + name);
      it = same_name(name);
    }
    if (it == all.end()) {
      source.name = name;
      all.push_back(std::move(source));
    }
    if (std::find(service.secrets.begin(), service.secrets.end(), name) == service.secrets.end())
      service.secrets.push_back(name);
    return name;
  }

  // The secret holding one variable of the project's .env (shared by every service using it).
  std::string variable_secret(const std::string& expr) {
    std::string var = mark_variable(expr);
    return add_secret(secret_slug(project.name + "-" + var), {.from = expr, .env_file = project.env_file});
  }

  // Marked text for /bin/sh, each secret read from its file ("$(cat /run/secrets/<name>)"), so
  // nothing but the container ever sees the value. `quote`: the literal parts single-quoted (one
  // word of an exec-form command); else kept as written (a CMD-SHELL line).
  std::string shell_text(const std::string& marked, bool quote) {
    std::string out, literal;
    auto flush = [&] {
      out += quote ? sh_quote(literal) : literal;
      literal.clear();
    };
    for (size_t i = 0; i < marked.size(); ++i) {
      if (marked[i] != kSecretOpen) {
        literal += marked[i];
        continue;
      }
      size_t close = marked.find(kSecretClose, i);
      if (close == std::string::npos) close = marked.size();
      if (!literal.empty()) flush();
      out += "\"$(cat /run/secrets/" + variable_secret(marked.substr(i + 1, close - i - 1)) + ")\"";
      i = close;
    }
    if (!literal.empty() || out.empty()) flush();
    return out;
  }
  std::string shell_word(const std::string& marked) { return shell_text(marked, true); }
  std::string shell_line(const std::string& marked) { return shell_text(marked, false); }

  // An exec-form command holding secrets becomes ["/bin/sh", "-c", "<quoted words>"].
  std::vector<std::string> exec_without_secrets(const std::vector<std::string>& args,
                                                const YAML::Node& at_node, const std::string& what) {
    if (std::none_of(args.begin(), args.end(), has_secret_mark)) return args;
    std::string line = "exec";
    for (const auto& a : args) {
      line += ' ';
      line += shell_word(a);
    }
    note(at_node,
         what +
             " uses a secret: runs through /bin/sh, reading it from /run/secrets (the image needs a shell)");
    return {"/bin/sh", "-c", line};
  }

  void env_entry(const std::string& name, const std::string& value, const std::string& env_file,
                 const YAML::Node& at_node) {
    bool marked = has_secret_mark(value);
    if (!marked && !is_secret_name(name) && !has_inline_credentials(value)) {
      service.runtime.environment[name] = {value, ""};
      return;
    }
    model::SecretSource source{.env_file = env_file.empty() ? project.env_file : env_file};
    std::string secret;
    if (marked) {
      source.from = unmark(value);
      bool whole = value.front() == kSecretOpen && value.find(kSecretClose) == value.size() - 1;
      secret = whole ? secret_slug(project.name + "-" + mark_variable(value.substr(1, value.size() - 2)))
                     : secret_slug(service.name + "-" + name);
    } else {
      // A literal (in an env file, or written in the compose file itself): the value is read at
      // deploy from the env file under this variable's name, never copied here.
      source.from = "${" + name + "}";
      secret =
          env_file.empty() ? secret_slug(service.name + "-" + name) : secret_slug(project.name + "-" + name);
      if (env_file.empty())
        note(at_node, "environment " + name + " holds a secret written in the compose file: put " + name +
                          "=<value> in " + (source.env_file.empty() ? std::string(".env") : source.env_file) +
                          " for `rehome secrets create` (the estate keeps a reference only)");
    }
    service.runtime.environment[name] = {"", add_secret(secret, std::move(source))};
  }

  void map_environment(const YAML::Node& node) {
    for (const auto& f : names(child(node, "env_file"))) {
      fs::path path = fs::absolute(raw.dir / f).lexically_normal();
      auto content = read(path);
      if (!content) {
        note(child(node, "env_file"), "env_file " + f + " not found: its variables were not read");
        continue;
      }
      // Values of an env file are literal (compose does not interpolate them).
      for (const auto& [k, v] : parse_env_file(*content, path.string()))
        env_entry(k, v, path.string(), child(node, "env_file"));
    }
    const YAML::Node& env = child(node, "environment");
    if (env.IsMap()) {
      for (const auto& kv : env) {
        std::string k = text(kv.first, "environment");
        if (kv.second.IsNull()) {
          unset_from_shell(kv.second, k);
          continue;
        }
        env_entry(k, text(kv.second, "environment"), "", kv.second);
      }
    } else if (env.IsSequence()) {
      for (const auto& item : env) {
        std::string s = text(item, "environment");
        size_t eq = s.find('=');
        if (eq == std::string::npos) {
          unset_from_shell(item, s);
          continue;
        }
        env_entry(s.substr(0, eq), s.substr(eq + 1), "", item);
      }
    } else if (env.IsDefined() && !env.IsNull()) {
      throw UserError(at(env) + ": " + service.name +
                      ": environment must be a mapping or a list of KEY=value");
    }
  }

  // `- NAME` with no value: compose takes it from the shell running it.
  void unset_from_shell(const YAML::Node& n, const std::string& name) {
    service.runtime.environment.erase(name);
    note(n, "environment " + name +
                " has no value (compose passes the shell's): not carried; set it in the estate");
  }

  std::vector<std::string> names(const YAML::Node& n) const {
    std::vector<std::string> out;
    if (n.IsSequence()) {
      for (const auto& item : n) {
        if (item.IsMap() && child(item, "path"))
          out.push_back(text(child(item, "path"), "env_file.path"));
        else
          out.push_back(text(item, "env_file"));
      }
    } else if (n.IsScalar()) {
      out.push_back(n.Scalar());
    }
    return out;
  }

  std::optional<std::vector<std::string>> exec_form(const YAML::Node& n, const std::string& what) {
    if (!n.IsDefined()) return std::nullopt;
    std::vector<std::string> args;
    if (n.IsNull()) return args;
    if (n.IsSequence()) {
      for (const auto& a : n) args.push_back(text(a, what));
    } else {
      args = split_command(text(n, what));
    }
    return exec_without_secrets(args, n, what);
  }

  std::map<std::string, std::string> labels(const YAML::Node& n, const std::string& what) {
    std::map<std::string, std::string> raw_labels, out;
    if (n.IsMap()) {
      for (const auto& kv : n)
        raw_labels[text(kv.first, what)] = kv.second.IsNull() ? "" : text(kv.second, what);
    } else if (n.IsSequence()) {
      for (const auto& item : n) {
        std::string s = text(item, what);
        size_t eq = s.find('=');
        raw_labels[s.substr(0, eq)] = eq == std::string::npos ? "" : s.substr(eq + 1);
      }
    }
    for (auto& [k, v] : raw_labels) {
      if (has_secret_mark(v) || has_inline_credentials(v)) {
        unmapped(n, what + " " + k +
                        " holds a secret: not carried (a label cannot refer to a secret); set it on the "
                        "target by hand");
        continue;
      }
      out[k] = v;
    }
    return out;
  }

  void map_configs(const YAML::Node& n) {
    if (!n.IsSequence()) return;
    for (const auto& item : n) {
      model::ConfigMount c;
      if (item.IsMap()) {
        c.source = text(child(item, "source"), "configs.source");
        if (child(item, "target")) c.target = text(child(item, "target"), "configs.target");
        if (child(item, "mode") || child(item, "uid") || child(item, "gid"))
          unmapped(item,
                   "config " + c.source + ": uid/gid/mode are not carried (Swarm's default: 0444, root)");
      } else {
        c.source = text(item, "configs");
      }
      auto it = project.config_files.find(c.source);
      if (it != project.config_files.end())
        c.file = it->second;
      else
        unmapped(item, "config " + c.source + " is not declared under the top-level configs:");
      service.runtime.configs.push_back(std::move(c));
    }
  }

  void map_ulimits(const YAML::Node& n) {
    if (!n.IsMap()) return;
    for (const auto& kv : n) {
      std::string name = text(kv.first, "ulimits");
      model::Ulimit u;
      auto number = [&](const YAML::Node& v, const std::string& what) {
        try {
          return std::stoll(text(v, what));
        } catch (const std::exception&) {
          throw UserError(at(v) + ": " + service.name + ": " + what + " is not a number");
        }
      };
      if (kv.second.IsMap()) {
        u.soft = number(child(kv.second, "soft"), "ulimits." + name + ".soft");
        u.hard = number(child(kv.second, "hard"), "ulimits." + name + ".hard");
      } else {
        u.soft = u.hard = number(kv.second, "ulimits." + name);
      }
      service.runtime.ulimits[name] = u;
    }
  }

  void map_simple(const YAML::Node& node) {
    auto& rt = service.runtime;
    if (child(node, "user")) rt.user = text(child(node, "user"), "user");
    if (child(node, "working_dir")) rt.working_dir = text(child(node, "working_dir"), "working_dir");
    if (child(node, "hostname")) rt.hostname = text(child(node, "hostname"), "hostname");
    if (child(node, "stop_signal")) rt.stop_signal = text(child(node, "stop_signal"), "stop_signal");
    for (const auto& c : names(child(node, "cap_drop"))) rt.cap_drop.push_back(c);
    const YAML::Node& tmpfs = child(node, "tmpfs");
    if (tmpfs.IsScalar()) rt.tmpfs.push_back(tmpfs.Scalar());
    if (tmpfs.IsSequence())
      for (const auto& t : tmpfs) rt.tmpfs.push_back(text(t, "tmpfs"));
    if (const auto& g = child(node, "stop_grace_period")) {
      auto d = model::parse_duration(text(g, "stop_grace_period"));
      if (!d)
        throw UserError(at(g) + ": " + service.name + ": stop_grace_period is not a duration",
                        "write 45s or 1m30s");
      rt.stop_grace_period = *d;
    }
    if (child(node, "init")) rt.init = boolean(child(node, "init"), raw.file, "init");
    if (const auto& shm = child(node, "shm_size")) {
      auto b = model::parse_bytes(text(shm, "shm_size"));
      if (!b) throw UserError(at(shm) + ": " + service.name + ": shm_size is not a size", "write 64m or 1g");
      rt.shm_size = *b;
    }
    if (const auto& log = child(node, "logging"); log.IsMap()) {
      model::Logging l;
      if (child(log, "driver")) l.driver = text(child(log, "driver"), "logging.driver");
      const YAML::Node& opts = child(log, "options");
      if (opts.IsMap())
        for (const auto& kv : opts)
          l.options[text(kv.first, "logging.options")] = text(kv.second, "logging.options");
      rt.logging = std::move(l);
    }
  }

  // A health check never holds a secret's value: the container reads it from /run/secrets.
  void secure_healthcheck() {
    if (!service.healthcheck) return;
    auto& test = service.healthcheck->test;
    if (std::none_of(test.begin(), test.end(), has_secret_mark)) return;
    const YAML::Node& at_node = child(raw.node, "healthcheck");
    if (test.size() == 2 && test[0] == "CMD-SHELL") {
      test[1] = shell_line(test[1]);
    } else {
      std::string line;
      for (size_t i = test.empty() || test[0] != "CMD" ? 0 : 1; i < test.size(); ++i) {
        if (!line.empty()) line += ' ';
        line += shell_word(test[i]);
      }
      test = {"CMD-SHELL", line};
      note(at_node,
           "health check uses a secret: runs through /bin/sh, reading it from /run/secrets (the image needs "
           "a shell)");
    }
  }

  // A secret variable in a field that cannot refer to a secret: its expression is kept as text
  // (`${NAME}`), never its value, and the field is named.
  void refuse_leftover_marks() {
    auto fix = [&](std::string& v, const std::string& what) {
      if (!has_secret_mark(v)) return;
      v = unmark(v);
      unmapped(raw.node, what + " uses a secret variable: kept as the expression " + v +
                             ", never its value; set it by hand");
    };
    fix(service.image, "image");
    for (auto& v : service.volumes) {
      fix(v.name, "volume");
      fix(v.target, "volume target");
    }
    auto& rt = service.runtime;
    fix(rt.user, "user");
    fix(rt.working_dir, "working_dir");
    fix(rt.hostname, "hostname");
    for (auto& t : rt.tmpfs) fix(t, "tmpfs");
    if (rt.logging)
      for (auto& [k, v] : rt.logging->options) fix(v, "logging option " + k);
    if (service.data)
      for (auto& d : service.data->databases) fix(d, "database name");
  }

  void map_secret_mounts(const YAML::Node& node) {
    // Compose's own secrets (top-level `file:`): the file is named, never read.
    for (const auto& name : service.secrets) {
      auto it = project.secret_files.find(name);
      if (it == project.secret_files.end() || it->second.empty()) continue;
      auto& all = result.estate.secrets;
      if (std::none_of(all.begin(), all.end(), [&](const model::SecretSource& s) { return s.name == name; }))
        all.push_back({.name = name, .file = it->second});
    }
    (void)node;
  }
};

}  // namespace

std::vector<std::string> split_command(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else if (c == '\'') {
      in_word = true;
      size_t close = text.find('\'', i + 1);
      if (close == std::string::npos) close = text.size();
      word += text.substr(i + 1, close - i - 1);
      i = close;
    } else if (c == '"') {
      in_word = true;
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size() &&
            std::string("\"\\$`").find(text[i + 1]) != std::string::npos)
          ++i;
        word += text[i];
      }
    } else if (c == '\\' && i + 1 < text.size()) {
      in_word = true;
      word += text[++i];
    } else {
      in_word = true;
      word += c;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

void map_runtime(const RawService& raw, const ProjectContext& project, const FileReader& read,
                 ImportResult& result, model::Service& service) {
  RuntimeMapper m{raw, project, read, result, service};
  const YAML::Node& node = raw.node;
  m.map_secret_mounts(node);
  m.map_environment(node);
  service.runtime.command = m.exec_form(child(node, "command"), "command");
  service.runtime.entrypoint = m.exec_form(child(node, "entrypoint"), "entrypoint");
  service.runtime.labels = m.labels(child(node, "labels"), "label");
  if (const auto& deploy = child(node, "deploy"); deploy.IsMap())
    service.runtime.deploy_labels = m.labels(child(deploy, "labels"), "deploy.label");
  m.map_configs(child(node, "configs"));
  m.map_ulimits(child(node, "ulimits"));
  m.map_simple(node);
  m.secure_healthcheck();
  m.refuse_leftover_marks();
}

}  // namespace rehome::import
