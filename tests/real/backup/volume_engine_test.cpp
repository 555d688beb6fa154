// A Docker named volume backed up through its engine (the volume mover's read-only helper container and
// the Engine API's archive GET) as a plain tar stream with a per-file sha256 manifest: restic alone gets
// it back (its files' sha256sum equal the volume's), verify unpacks it into a throwaway folder against
// the manifest, and a second backup after 1 % of the volume changed adds little (restic deduplicates the
// uncompressed stream).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "backup/repository.hpp"
#include "backup/volume_tar.hpp"
#include "backup_fixtures.hpp"
#include "common/process.hpp"
#include "real/harness/dockerd.hpp"

using namespace rehome;
using namespace rehome::backup;
using rehome::test::TempDir;
namespace fs = std::filesystem;

namespace {

// "sha256  ./path" lines of every regular file under `dir`, sorted: sha256sum's own view.
std::string sha256sums(const fs::path& dir) {
  auto r = run_process(
      {"sh", "-c",
       fmt::format("cd '{}' && find . -type f -print0 | sort -z | xargs -0 sha256sum", dir.string())});
  return r.out;
}

void random_file(const fs::path& file, int kib) {
  fs::create_directories(file.parent_path());
  auto r = run_process({"sh", "-c", fmt::format("head -c {}K /dev/urandom > '{}'", kib, file.string())});
  ASSERT_TRUE(r.ok()) << r.err;
}

}  // namespace

TEST(VolumeEngine, PlainTarThroughTheEngineRestoresAndDeduplicates) {
  TempDir tmp("volume-engine");
  test::DockerEngine engine;
  engine.docker_ok({"volume", "create", "appdata"});
  fs::path data = engine.volume_data("appdata");
  // 100 files of 640 KiB (64 MiB), a deep path longer than ustar's 100 characters, a symlink, a hard link.
  for (int i = 0; i < 100; ++i) random_file(data / fmt::format("d{}/file-{:03}.bin", i % 10, i), 640);
  std::string deep =
      "a-rather-long-folder-name-to-pass-the-ustar-limit/" + std::string(60, 'n') + "/leaf.txt";
  test::write_text(data / deep, "deep\n");
  fs::create_symlink("d0/file-000.bin", data / "link-to-first");
  fs::create_hard_link(data / "d1/file-001.bin", data / "hard-to-second");

  test::write_text(tmp / "password", "pw-volume-repo-9d1e");
  ::chmod((tmp / "password").c_str(), 0600);
  Repository repo{(tmp / "repo").string(), tmp / "password", tmp / "cache", {}};
  RepoRunOptions o;
  o.sources = {{"volume", "appdata", "appdata", engine.host()}};
  o.repositories = {repo};
  o.estate = "volume-test";
  o.staging = tmp / "staging";
  std::string log;
  o.progress = [&](const std::string& line) { log += line + "\n"; };
  auto first = backup_to_repositories(o);
  ASSERT_TRUE(first.ok()) << (first.failures.empty() ? "" : first.failures[0]) << "\n" << log;
  ASSERT_EQ(first.stored.size(), 1u);
  const auto& a = first.stored[0].artefact;
  EXPECT_EQ(a.name, "volume-appdata.tar");
  EXPECT_EQ(a.files.size(), 103u);  // 100 files, the deep one, the symlink, the hard link
  EXPECT_EQ(a.files.at("link-to-first"), "symlink:d0/file-000.bin");
  EXPECT_EQ(a.files.at("hard-to-second"), a.files.at("d1/file-001.bin"));
  EXPECT_EQ(a.files.at(deep), run_process({"sha256sum", (data / deep).string()}).out.substr(0, 64));
  EXPECT_EQ(a.files, scan_folder(data));  // the manifest is the volume as it is on the engine's disk

  // restic alone: the stored tar comes out of `restic dump`, unpacks with tar, and sha256sum of its files
  // equals sha256sum of the volume's.
  ProcessOptions env;
  env.env = {{"RESTIC_REPOSITORY", repo.location},
             {"RESTIC_PASSWORD_FILE", (tmp / "password").string()},
             {"RESTIC_CACHE_DIR", (tmp / "cache").string()}};
  auto listed = run_process({"restic", "snapshots", "--json", "--tag", "kind=volume,service=appdata"}, env);
  ASSERT_TRUE(listed.ok()) << listed.err;
  ASSERT_EQ(nlohmann::json::parse(listed.out).size(), 1u);
  fs::create_directories(tmp / "by-hand");
  auto out = run_process({"sh", "-c",
                          fmt::format("restic dump latest '/{0}.tar' --tag kind=volume | tar -xO --wildcards "
                                      "'{0}.0*' | tar -x -C '{1}'",
                                      a.name, (tmp / "by-hand").string())},
                         env);
  ASSERT_TRUE(out.ok()) << out.err;
  EXPECT_EQ(sha256sums(tmp / "by-hand"), sha256sums(data));
  EXPECT_EQ(fs::read_symlink(tmp / "by-hand/link-to-first"), "d0/file-000.bin");

  // verify: restic check, the tar unpacked into a throwaway folder and every entry against the manifest.
  RepoVerifyOptions v;
  v.repository = repo;
  v.estate = "volume-test";
  v.scratch = tmp.path();
  std::string vlog;
  v.progress = [&](const std::string& line) { vlog += line + "\n"; };
  auto verified = verify_repository(v);
  ASSERT_TRUE(verified.ok()) << (verified.details.problems.empty() ? "" : verified.details.problems[0]);
  EXPECT_NE(vlog.find("103 entries match the manifest's sha256"), std::string::npos) << vlog;

  // 1 % of the volume changes (1 of 100 files rewritten): the second backup adds little. (restic's
  // chunks average 1 MiB: a changed file costs about one chunk, however small the change.)
  random_file(data / "d3/file-053.bin", 640);
  auto second = backup_to_repositories(o);
  ASSERT_TRUE(second.ok()) << (second.failures.empty() ? "" : second.failures[0]);
  auto added1 = first.stored[0].summary.data_added, added2 = second.stored[0].summary.data_added;
  std::cout << fmt::format(
      "volume of {} bytes: first backup adds {} bytes, second after 1 % changed adds {} "
      "({:.1f} %)\n",
      a.size, added1, added2, 100.0 * static_cast<double>(added2) / static_cast<double>(added1));
  EXPECT_GT(added1, 60'000'000);
  EXPECT_LT(added2, added1 / 10);
  EXPECT_NE(second.stored[0].artefact.files.at("d3/file-053.bin"), a.files.at("d3/file-053.bin"));

  // The helper containers are gone.
  auto left = engine.docker_ok({"ps", "-aq", "--filter", "label=rehome.volume-helper"});
  EXPECT_EQ(left.find_first_not_of(" \n"), std::string::npos) << left;
}
