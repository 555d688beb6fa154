#pragma once
// A volume stored as a plain tar stream (no compression: restic deduplicates it and compresses after)
// with a per-file manifest: TarScanner reads the tar as it streams past and hashes every regular file;
// the restore test unpacks the stored tar into a throwaway folder and compares what it finds.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "backup/manifest.hpp"
#include "backup/run.hpp"
#include "backup/verify.hpp"

namespace rehome::backup {

// Feed it a tar stream in pieces of any size (ustar, pax "x" records, GNU long names). files() maps each
// entry's path inside the volume ("dir/a.txt", no "./") to the sha256 of a regular file (a hard link to
// its target's), "symlink:TARGET" for a symbolic link, "special" for a device, fifo or socket; folders
// are not listed. A malformed header throws UserError.
class TarScanner {
 public:
  TarScanner();
  ~TarScanner();
  void feed(const char* data, size_t size);
  bool complete() const { return ended_; }  // the two zero blocks were seen
  const std::map<std::string, std::string>& files() const { return files_; }
  std::int64_t file_bytes() const { return file_bytes_; }

 private:
  void header(const char* block);
  void entry_done();
  struct Hash;
  std::unique_ptr<Hash> hash_;
  std::string block_;                  // a header (or pax/long-name data) being gathered
  std::int64_t remaining_ = 0;         // bytes of the current entry's data still to come
  std::int64_t padding_ = 0;           // zero bytes after it
  char type_ = 0;                      // of the current entry
  std::string path_, link_;            // of the current entry
  std::string meta_;                   // pax or GNU long-name data being gathered
  std::string next_path_, next_link_;  // from a pax record or GNU long name, for the next header
  int zero_blocks_ = 0;
  bool ended_ = false;
  std::map<std::string, std::string> files_;
  std::int64_t file_bytes_ = 0;
};

// The files of a folder as TarScanner lists a tar of it (tests and the restore check).
std::map<std::string, std::string> scan_folder(const std::filesystem::path& dir);

// Unpacks the stored tar of `a` (in b.dir) into a throwaway folder beside it and compares every entry
// with the manifest's files: missing, extra, or a different sha256 / link each become a problem naming
// the path. The folder is removed.
void check_volume(const StoredBackup& b, const Artefact& a, VerifyResult& r, const Progress& progress);

}  // namespace rehome::backup
