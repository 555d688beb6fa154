#include "import/compose.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "import/compose_service.hpp"
#include "import/yaml_tree.hpp"

namespace rehome::import {
namespace {

namespace fs = std::filesystem;

struct LoadedFile {
  std::string file;  // as given, for messages
  fs::path dir;
  YAML::Node root;
  std::string env_file;  // the .env (or --env-file) its variables came from, absolute; "" = none
};

// Compose's project name from a folder: lower case, only [a-z0-9_-].
std::string project_from_folder(const fs::path& file) {
  fs::path dir = file.parent_path();
  if (dir.empty() || dir.filename().empty() || dir.filename() == ".") dir = fs::absolute(file).parent_path();
  std::string out;
  for (char c : dir.filename().string()) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') out += c;
  }
  return out.empty() ? "default" : out;
}

bool shared_driver(const YAML::Node& decl) {
  if (!decl.IsMap()) return false;
  auto contains_any = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const char* fs_type : {"nfs", "cifs", "smb", "ceph", "gluster", "rexray", "efs"})
      if (s.find(fs_type) != std::string::npos) return true;
    return false;
  };
  if (child(decl, "driver") && child(decl, "driver").IsScalar() &&
      contains_any(child(decl, "driver").Scalar()))
    return true;
  const YAML::Node& opts = child(decl, "driver_opts");
  return opts.IsMap() && child(opts, "type") && child(opts, "type").IsScalar() &&
         contains_any(child(opts, "type").Scalar());
}

// The engine's name of a declared volume or network: `name:`, external name, or <project>_<key>.
std::string engine_name(const std::string& project, const std::string& key, const YAML::Node& decl,
                        bool& external) {
  external = false;
  if (!decl.IsMap()) return project + "_" + key;
  const YAML::Node& ext = child(decl, "external");
  if (ext.IsMap() && child(ext, "name") && child(ext, "name").IsScalar()) {
    external = true;
    return child(ext, "name").Scalar();
  }
  if (ext.IsScalar() && (ext.Scalar() == "true" || ext.Scalar() == "yes")) external = true;
  if (child(decl, "name") && child(decl, "name").IsScalar()) return child(decl, "name").Scalar();
  return external ? key : project + "_" + key;
}

struct DeclaredNetwork {
  std::string key;
  std::string engine_name;
  bool external = false;
  model::Network network;
};

struct Project {
  ProjectContext ctx;
  std::vector<RawService> services;
  std::vector<DeclaredNetwork> networks;
};

class Importer {
 public:
  Importer(const ComposeOptions& options, const FileReader& read) : options_(options), read_(read) {}

  ImportResult run(const std::vector<fs::path>& files) {
    if (files.empty()) throw UserError("no compose files given", "pass one or more docker-compose.yml files");
    // Every problem of every file is reported at once: each step's error is collected, and one
    // UserError lists them all at the end.
    for (const auto& f : files) collecting([&] { guarded(f.string(), [&] { add_file(f); }); });
    throw_collected();
    apply_profiles();
    name_services();
    name_networks();
    result_.estate.name = options_.project_name.empty() ? order_.front() : options_.project_name;
    for (const auto& pname : order_) {
      Project& p = projects_.at(pname);
      for (const auto& raw : p.services)
        collecting([&] {
          guarded(raw.file + ":" + std::to_string(raw.line),
                  [&] { result_.estate.services.push_back(map_service(raw, p.ctx, read_, result_)); });
        });
    }
    throw_collected();
    collect_networks();
    collect_secrets();
    return std::move(result_);
  }

 private:
  // A yaml-cpp exception we did not foresee (a value of a shape no check expected) still becomes a
  // UserError naming the file, never a crash.
  template <typename F>
  void guarded(const std::string& where, F&& step) {
    try {
      step();
    } catch (const YAML::Exception& e) {
      throw UserError(where + ": unexpected YAML structure: " + e.msg,
                      "check the file against the Compose specification");
    }
  }

  template <typename F>
  void collecting(F&& step) {
    try {
      step();
    } catch (const UserError& e) {
      errors_.push_back(e);
    }
  }

  void throw_collected() {
    if (errors_.empty()) return;
    if (errors_.size() == 1) throw errors_.front();
    std::string all;
    for (const auto& e : errors_)
      all +=
          std::string(all.empty() ? "" : "\n") + e.what() + (e.hint().empty() ? "" : " (" + e.hint() + ")");
    throw UserError(std::to_string(errors_.size()) + " problems in the compose files:\n" + all,
                    "fix each line named above and run the import again");
  }

  // Secret sources the services refer to (added by the mapper, once each), in name order.
  void collect_secrets() {
    auto& secrets = result_.estate.secrets;
    std::sort(secrets.begin(), secrets.end(),
              [](const model::SecretSource& a, const model::SecretSource& b) { return a.name < b.name; });
  }

  // Variables handed to a secret-named key (`MYSQL_ROOT_PASSWORD: ${DBROOT}`) are secrets too,
  // wherever else they are used (a health check's `-p${DBROOT}`).
  static void collect_secret_variables(const YAML::Node& node, std::set<std::string>& out, int depth) {
    if (depth > 64) return;
    auto add_from = [&](const std::string& key, const std::string& value) {
      if (!is_secret_name(key)) return;
      for (size_t i = value.find('$'); i != std::string::npos; i = value.find('$', i + 1)) {
        size_t j = i + 1;
        if (j < value.size() && value[j] == '{') ++j;
        size_t k = j;
        while (k < value.size() && (std::isalnum(static_cast<unsigned char>(value[k])) || value[k] == '_'))
          ++k;
        if (k > j) out.insert(value.substr(j, k - j));
      }
    };
    if (node.IsMap()) {
      for (const auto& kv : node) {
        if (kv.first.IsScalar() && kv.first.Scalar() == "environment") {
          if (kv.second.IsMap())
            for (const auto& e : kv.second)
              if (e.first.IsScalar() && e.second.IsScalar()) add_from(e.first.Scalar(), e.second.Scalar());
          if (kv.second.IsSequence())
            for (const auto& e : kv.second)
              if (e.IsScalar()) {
                const std::string& t = e.Scalar();
                size_t eq = t.find('=');
                if (eq != std::string::npos) add_from(t.substr(0, eq), t.substr(eq + 1));
              }
        }
        collect_secret_variables(kv.second, out, depth + 1);
      }
    } else if (node.IsSequence()) {
      for (const auto& item : node) collect_secret_variables(item, out, depth + 1);
    }
  }

  const LoadedFile& load(const fs::path& path) {
    std::string key = path.lexically_normal().string();
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    auto text = read_(path);
    if (!text) throw UserError("cannot read " + path.string() + ": no such file", "check the path");
    Variables vars;
    fs::path env_path = options_.env_file ? *options_.env_file : path.parent_path() / ".env";
    std::string env_file;
    if (auto env = read_(env_path)) {
      vars = parse_env_file(*env, env_path.string());
      env_file = fs::absolute(env_path).lexically_normal().string();
    } else if (options_.env_file) {
      throw UserError("cannot read the env file " + env_path.string() + ": no such file", "check --env-file");
    }
    for (const auto& [k, v] : options_.environment) vars[k] = v;
    if (auto it = vars.find("COMPOSE_PROFILES"); it != vars.end() && compose_profiles_.empty())
      compose_profiles_ = it->second;
    YAML::Node root = parse_yaml(*text, path.string());
    if (!root.IsMap())
      throw UserError(where(path.string(), root) + ": a compose file must be a mapping with a services: key",
                      root.IsNull() ? "the file is empty" : "check that this is a docker-compose file");
    Interpolation ctx{vars};
    collect_secret_variables(root, ctx.secret_vars, 0);
    interpolate_tree(root, ctx, path.string());
    std::set<std::string> warned;
    for (const auto& u : ctx.unset) {  // "file:line: NAME", as compose warns
      size_t sep = u.rfind(": ");
      std::string name = u.substr(sep + 2);
      if (warned.insert(name).second)
        result_.notes.push_back({u.substr(0, sep), name,
                                 "variable " + name +
                                     " is not set: defaulting to a blank string, as compose does (set it "
                                     "in the environment or the .env file)"});
    }
    return cache_[key] = LoadedFile{path.string(), path.parent_path(), expand_merge_keys(root), env_file};
  }

  // The service's settings with `extends` applied (recursively, across files).
  YAML::Node resolve(const LoadedFile& f, const std::string& name, std::vector<std::string>& chain) {
    const YAML::Node& services = child(f.root, "services");
    const YAML::Node& node = child(services, name);
    if (!node.IsDefined())
      throw UserError(f.file + ": extends names service " + name + ", which the file does not define");
    std::string id = f.file + "#" + name;
    if (std::find(chain.begin(), chain.end(), id) != chain.end() || chain.size() > 32) {
      std::string cycle;
      for (const auto& c : chain) cycle += c + " -> ";
      throw UserError(where(f.file, node) + ": extends loops: " + cycle + id, "break the cycle of extends");
    }
    if (!node.IsMap() || !child(node, "extends")) return node;
    const YAML::Node& ext = child(node, "extends");
    std::string base_name;
    const LoadedFile* base_file = &f;
    if (ext.IsMap()) {
      if (!child(ext, "service")) throw UserError(where(f.file, ext) + ": extends needs service:");
      base_name = scalar(child(ext, "service"), f.file, "extends.service");
      if (child(ext, "file")) base_file = &load(f.dir / scalar(child(ext, "file"), f.file, "extends.file"));
    } else {
      base_name = scalar(ext, f.file, "extends");
    }
    chain.push_back(id);
    YAML::Node base = resolve(*base_file, base_name, chain);
    chain.pop_back();
    return merge_service(base, node);
  }

  void add_file(const fs::path& path) {
    const LoadedFile& f = load(path);
    const YAML::Node& root = f.root;
    std::string pname = options_.project_name;
    if (pname.empty())
      pname = child(root, "name") ? scalar(child(root, "name"), f.file, "name") : project_from_folder(path);
    if (!projects_.count(pname)) {
      order_.push_back(pname);
      projects_[pname].ctx.name = pname;
    }
    Project& p = projects_[pname];
    if (p.ctx.env_file.empty()) p.ctx.env_file = f.env_file;
    if (child(root, "version")) {
      std::string v = scalar(child(root, "version"), f.file, "version");
      if (!v.empty() && v[0] == '1')
        throw UserError(
            where(f.file, child(root, "version")) + ": compose file version " + v + " is not supported",
            "move the services under a services: key (version 2 or later)");
    }
    const YAML::Node& services = child(root, "services");
    if (!services.IsDefined() && !child(root, "volumes") && !child(root, "networks"))
      throw UserError(
          f.file + ": no services: key",
          "a version 1 file (services at the top level) must be upgraded: put them under services:");
    if (services.IsDefined() && !services.IsMap() && !services.IsNull())
      throw UserError(where(f.file, services) + ": services: must be a mapping of service names to settings");
    for (const auto& kv : root) {
      std::string key = kv.first.Scalar();
      if (key == "include")
        result_.unmapped.push_back(
            {where(f.file, kv.first), pname,
             "include: is not followed; pass the included files to rehome import compose too"});
      else if (key.rfind("x-", 0) != 0 && key != "version" && key != "name" && key != "services" &&
               key != "volumes" && key != "networks" && key != "secrets" && key != "configs")
        result_.unmapped.push_back(
            {where(f.file, kv.first), pname, "unknown top-level key " + key + " ignored"});
    }
    declare_volumes(p, f);
    declare_networks(p, f);
    declare_files(p.ctx.config_files, f, "configs");
    declare_files(p.ctx.secret_files, f, "secrets");
    if (!services.IsMap()) return;
    for (const auto& kv : services) {
      std::string name = scalar(kv.first, f.file, "service name");
      std::vector<std::string> chain;
      RawService raw{name, resolve(f, name, chain), f.file, f.dir,
                     kv.first.Mark().is_null() ? 0 : kv.first.Mark().line + 1};
      auto it = std::find_if(p.services.begin(), p.services.end(),
                             [&](const RawService& s) { return s.name == name; });
      if (it == p.services.end()) {
        p.services.push_back(raw);
        continue;
      }
      result_.duplicates.push_back({where(f.file, kv.first), name,
                                    "also defined in " + it->file + ":" + std::to_string(it->line) +
                                        " (project " + pname +
                                        "): merged as an override file, the later file wins"});
      it->node = merge_service(it->node, raw.node);
      it->file = raw.file;
      it->dir = raw.dir;
      it->line = raw.line;
    }
  }

  void declare_volumes(Project& p, const LoadedFile& f) {
    const YAML::Node& volumes = child(f.root, "volumes");
    if (!volumes.IsMap()) return;
    for (const auto& kv : volumes) {
      std::string key = scalar(kv.first, f.file, "volume name");
      bool external = false;
      ProjectVolume v{engine_name(p.ctx.name, key, kv.second, external), shared_driver(kv.second), true};
      p.ctx.volumes[key] = v;
    }
  }

  // Top-level configs/secrets: the host file of each (absolute), "" when external or not a file.
  void declare_files(std::map<std::string, std::string>& out, const LoadedFile& f, const std::string& key) {
    const YAML::Node& decls = child(f.root, key);
    if (!decls.IsMap()) return;
    for (const auto& kv : decls) {
      std::string name = scalar(kv.first, f.file, key + " name");
      std::string file;
      if (const auto& path = child(kv.second, "file"); path.IsScalar())
        file = fs::absolute(f.dir / path.Scalar()).lexically_normal().string();
      else if (!child(kv.second, "external"))
        result_.unmapped.push_back(
            {where(f.file, kv.first), name,
             key + " " + name + " is not from a file: create it on the cluster by hand"});
      out[name] = file;
    }
  }

  void declare_networks(Project& p, const LoadedFile& f) {
    const YAML::Node& networks = child(f.root, "networks");
    if (!networks.IsMap()) return;
    for (const auto& kv : networks) {
      DeclaredNetwork d;
      d.key = scalar(kv.first, f.file, "network name");
      d.engine_name = engine_name(p.ctx.name, d.key, kv.second, d.external);
      d.network.where = {f.file, kv.first.Mark().line + 1, 0};
      const YAML::Node& decl = kv.second;
      if (decl.IsMap()) {
        if (child(decl, "internal"))
          d.network.internal = boolean(child(decl, "internal"), f.file, "internal");
        const YAML::Node& opts = child(decl, "driver_opts");
        d.network.encrypted = opts.IsMap() && child(opts, "encrypted").IsDefined();
        if (child(decl, "driver") && child(decl, "driver").IsScalar() &&
            child(decl, "driver").Scalar() == "host")
          result_.unmapped.push_back(
              {where(f.file, decl), d.key, "host network driver: not an overlay network"});
      }
      std::erase_if(p.networks, [&](const DeclaredNetwork& n) { return n.key == d.key; });
      p.networks.push_back(d);
    }
  }

  void apply_profiles() {
    std::set<std::string> active(options_.profiles.begin(), options_.profiles.end());
    if (active.empty()) {  // COMPOSE_PROFILES=a,b, as compose reads it
      std::string list = compose_profiles_;
      for (size_t start = 0; start < list.size();) {
        size_t comma = list.find(',', start);
        if (comma == std::string::npos) comma = list.size();
        std::string name = list.substr(start, comma - start);
        while (!name.empty() && name.front() == ' ') name.erase(name.begin());
        while (!name.empty() && name.back() == ' ') name.pop_back();
        if (!name.empty()) active.insert(name);
        start = comma + 1;
      }
    }
    for (auto& [pname, p] : projects_) {
      std::erase_if(p.services, [&](const RawService& raw) {
        if (!raw.node.IsMap() || !child(raw.node, "profiles") || !child(raw.node, "profiles").IsSequence() ||
            child(raw.node, "profiles").size() == 0)
          return false;
        std::string list;
        bool on = false;
        for (const auto& prof : child(raw.node, "profiles")) {
          std::string name = scalar(prof, raw.file, "profiles");
          list += (list.empty() ? "" : ", ") + name;
          on = on || active.count(name);
        }
        if (active.empty()) {
          result_.notes.push_back(
              {where(raw.file, child(raw.node, "profiles")), raw.name,
               "in profile " + list + ": imported anyway; pass --profile to import only active ones"});
          return false;
        }
        if (!on)
          result_.notes.push_back({where(raw.file, child(raw.node, "profiles")), raw.name,
                                   "skipped: profile " + list + " is not active"});
        return !on;
      });
    }
  }

  // A service name used by more than one project becomes <project>-<service> in every one of them.
  void name_services() {
    std::map<std::string, std::vector<std::string>> owners;
    for (const auto& pname : order_)
      for (const auto& raw : projects_[pname].services) owners[raw.name].push_back(pname);
    for (const auto& pname : order_) {
      Project& p = projects_[pname];
      for (const auto& raw : p.services) {
        const auto& o = owners[raw.name];
        if (o.size() == 1) {
          p.ctx.service_names[raw.name] = raw.name;
          continue;
        }
        std::string renamed = pname + "-" + raw.name;
        p.ctx.service_names[raw.name] = renamed;
        std::string others;
        for (const auto& other : o)
          if (other != pname) others += (others.empty() ? "" : ", ") + other;
        result_.duplicates.push_back({raw.file + ":" + std::to_string(raw.line), raw.name,
                                      "also a service of project " + others + ": renamed to " + renamed});
      }
    }
  }

  // Network names are estate-wide: a key used by several projects gets the project prefix, except
  // external networks, which really are one network.
  void name_networks() {
    std::map<std::string, std::set<std::string>> owners;
    for (auto& [pname, p] : projects_) {
      if (std::none_of(p.networks.begin(), p.networks.end(),
                       [](const auto& n) { return n.key == "default"; })) {
        DeclaredNetwork d;
        d.key = "default";
        d.engine_name = pname + "_default";
        p.networks.push_back(d);
      }
      for (const auto& n : p.networks) owners[n.external ? n.engine_name : n.key].insert(pname);
    }
    for (auto& [pname, p] : projects_) {
      for (auto& n : p.networks) {
        if (n.external)
          n.network.name = n.engine_name;
        else
          n.network.name = owners[n.key].size() > 1 || n.key == "default" ? pname + "_" + n.key : n.key;
        p.ctx.networks[n.key] = n.network.name;
      }
    }
  }

  void collect_networks() {
    std::set<std::string> used;
    for (const auto& s : result_.estate.services) used.insert(s.networks.begin(), s.networks.end());
    std::set<std::string> seen;
    for (const auto& pname : order_) {
      for (const auto& n : projects_[pname].networks) {
        if (!used.count(n.network.name) || !seen.insert(n.network.name).second) continue;
        model::Network net = n.network;
        std::string lname = net.name;
        net.public_ = lname.find("public") != std::string::npos ||
                      lname.find("traefik") != std::string::npos || lname.find("edge") != std::string::npos;
        result_.estate.networks.push_back(net);
      }
    }
  }

  const ComposeOptions& options_;
  const FileReader& read_;
  std::map<std::string, LoadedFile> cache_;
  std::vector<std::string> order_;
  std::map<std::string, Project> projects_;
  ImportResult result_;
  std::vector<UserError> errors_;
  std::string compose_profiles_;  // COMPOSE_PROFILES from the environment or a .env
};

}  // namespace

FileReader disk_reader() {
  return [](const fs::path& path) -> std::optional<std::string> {
    std::error_code ec;
    if (!fs::exists(path, ec)) return std::nullopt;
    if (fs::is_directory(path, ec))
      throw UserError(path.string() + " is a folder, not a file", "name the docker-compose.yml inside it");
    return read_file(path);
  };
}

ImportResult import_compose(const std::vector<fs::path>& files, const ComposeOptions& options,
                            const FileReader& read) {
  return Importer(options, read).run(files);
}

}  // namespace rehome::import
