// A volume streamed into restic as a plain, uncompressed tar (restic's content-defined chunks find the
// unchanged files again; a .tar.gz would change every byte after the first change), its per-file sha256
// manifest taken from the very bytes stored (TarScanner). A named volume is read through its Docker
// engine: the volume mover's read-only helper container and the engine's GET /containers/{id}/archive
// (src/migrate/volume's endpoint API, not a copy of it); a folder through `tar --create --sort=name`.
#include <ctime>

#include <fmt/format.h>

#include "backup/artefacts.hpp"
#include "backup/volume_tar.hpp"
#include "common/error.hpp"
#include "common/process.hpp"
#include "engines/docker_stream.hpp"
#include "migrate/volume/helper_session.hpp"
#include "migrate/volume/volume_endpoint.hpp"

namespace fs = std::filesystem;

namespace rehome::backup {
namespace {

void read_engine_volume(const std::string& engine, const std::string& volume, const ByteSink& sink) {
  namespace mv = migrate::volume;
  mv::Endpoint endpoint{engine, volume, ""};
  engines::DockerApi api(mv::engine_socket(engine, "--engine"));
  mv::source_volume(api, endpoint);  // UserError naming the volume when it does not exist
  auto image = mv::ensure_helper_image(api);
  mv::HelperSession helper(api, image, mv::mount_of(endpoint, true));
  api.download("/containers/" + helper.id() + "/archive?path=%2Fv%2F.", sink);
}

}  // namespace

VolumeStreamed stream_volume(const Source& source, const std::vector<Restic>& repos,
                             const std::vector<std::string>& tags, Manifest head) {
  Artefact a;
  a.kind = "volume";
  std::string base;
  if (source.engine.empty()) {
    std::error_code ec;
    fs::path dir = fs::absolute(source.target).lexically_normal();
    if (!fs::is_directory(dir, ec))
      throw UserError(fmt::format("volume folder {} does not exist", dir.string()),
                      "give the folder that holds the volume's data, or the volume's name with --engine");
    a.source = dir.string();
    base = dir.filename() == "_data" || dir.filename().empty() ? dir.parent_path().filename().string()
                                                               : dir.filename().string();
  } else {
    a.source = fmt::format("{} on {}", source.target, source.engine);
    base = source.target;
  }
  a.name = safe_name(fmt::format("volume-{}.tar", base));
  a.time = static_cast<std::int64_t>(std::time(nullptr));
  head.time = a.time;
  head.id = backup_id_for(a.time);
  TarScanner scanner;
  VolumeStreamed out;
  try {
    out.streamed = stream_into(
        [&](const ByteSink& sink) {
          auto both = [&](const char* data, size_t n) {
            scanner.feed(data, n);
            sink(data, n);
          };
          if (source.engine.empty())
            run_producer({require_program("tar", "tar").string(), "--create", "--file=-", "--directory",
                          a.source, "--numeric-owner", "--sort=name", "."},
                         {}, both);
          else
            read_engine_volume(source.engine, source.target, both);
          if (!scanner.complete())
            throw UserError(fmt::format("the archive of {} ended early", a.source),
                            "the engine or tar stopped: run the backup again");
        },
        a.name, repos, tags,
        manifest_sealing(a, head, [&](Artefact& sealed) { sealed.files = scanner.files(); }));
  } catch (const UserError& e) {
    throw UserError(fmt::format("{} (volume {})", e.what(), a.source), e.hint());
  }
  out.artefact = a;
  return out;
}

}  // namespace rehome::backup
