#pragma once
// Real service images for tests, built from Debian packages (no public registry is reachable):
// tests/images/<name>/ holds the recipe (packages, entrypoint, `docker import --change` lines),
// scripts/build-images.sh turns it into a rootfs tarball with mmdebstrap, cached under
// /var/cache/rehome-images (a second run takes no time), and this imports the tarball into an engine.
//
//   auto tag = rehome::test::import_debian_image(engine, "postgres");  // "rehome/postgres:test"
//   engine.docker_ok({"run", "-d", "-e", "POSTGRES_PASSWORD_FILE=/run/pw", ..., tag});
//
// Images: postgres (postgresql-15), mariadb (mariadb-server), redis (redis-server), nginx
// (nginx-light), writer (the test app: writes numbered rows to PostgreSQL, MariaDB, Redis and a file).
// Their conventions (POSTGRES_PASSWORD_FILE, MARIADB_ROOT_PASSWORD_FILE, ...) are in tests/images/README.md.
#include <filesystem>
#include <string>
#include <vector>

#include "real/harness/dockerd.hpp"

namespace rehome::test {

// "rehome/<name>:test"
std::string debian_image_tag(const std::string& name);

// The rootfs tarball of tests/images/<name>, built by scripts/build-images.sh when not cached (minutes
// the first time, then nothing). Throws std::runtime_error with the script's output when it fails.
std::filesystem::path debian_image_tarball(const std::string& name);

// The recipe's `docker import --change` instructions (tests/images/<name>/changes), one per line.
std::vector<std::string> debian_image_changes(const std::string& name);

// Imports tests/images/<name> into `engine` as `tag` (default debian_image_tag(name)), unless the
// engine has that tag already. Returns the tag.
std::string import_debian_image(const DockerEngine& engine, const std::string& name, std::string tag = "");

}  // namespace rehome::test
