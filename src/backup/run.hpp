#pragma once
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "backup/manifest.hpp"
#include "model/estate.hpp"

namespace rehome::backup {

using Progress = std::function<void(const std::string& line)>;

// What one run backs up.
struct Source {
  std::string kind;     // postgres | mariadb | redis | volume
  std::string target;   // a URL (postgres/redis) or a folder (volume)
  std::string service;  // the estate's service or volume name (restic tag); empty: taken from the target
  // volume: the Docker engine (unix:///var/run/docker.sock) that holds the named volume `target`;
  // empty: `target` is a folder read with tar
  std::string engine;
};

// This machine's name (recorded in manifests).
std::string hostname();
// Creates `dir` (and parents); a failure throws UserError naming it (`what`: "backup folder", ...).
void make_folder(const std::filesystem::path& dir, const char* what);

// Server URLs without a database become one source per database of the server.
std::vector<Source> expand_sources(const std::vector<Source>& sources);

// Takes one source's artefacts into `folder` (each sealed: size, sha256). The one place a new engine's
// producer is hooked in (MariaDB: kind "mariadb").
std::vector<Artefact> take_artefacts(const Source& source, const std::filesystem::path& folder);

// Databases and volumes of an estate: every PostgreSQL database and Redis of a service that is not a
// replica, addressed by service name (Swarm DNS) on the default port with credentials from the
// environment (PGUSER/PGPASSWORD, MYSQL_PWD, ...), and the volumes of backup.volumes: a name is read
// through `docker_engine` (Engine API), an absolute path as a folder.
// Engines rehome cannot dump are left out (`backup audit` names them).
std::vector<Source> sources_from_estate(const model::Estate& estate,
                                        const std::string& docker_engine = "unix:///var/run/docker.sock");

// A URL given on the command line: postgres://... or mariadb:// / mysql:// (a URL without a database
// means every database of the server), redis://... Throws UserError for anything else.
Source source_from_url(const std::string& url);

}  // namespace rehome::backup
