// A tar archive made on demand from a list of entries: the Docker build
// context is streamed to the engine through this, a block at a time, so no
// copy of the context is ever held in memory or written to disk.
//
// The format is POSIX ustar; a name or link target that does not fit the
// ustar fields, and a file of 8 GiB or more, get a PAX extended header
// first (what Go's archive/tar, and so the engine, reads). Owners are
// root (uid and gid 0, no names), as the docker CLI sends them.
#ifndef TAME_RUNNER_STEPS_TAR_WRITER_H_
#define TAME_RUNNER_STEPS_TAR_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tame {

struct TarEntry {
  enum class Type { kFile, kDirectory, kSymlink };
  Type type = Type::kFile;
  std::string name;    // in the archive: relative, '/'-separated, no trailing '/'
  std::string source;  // kFile: the file to read the content from
  std::string link;    // kSymlink: the link's target, as readlink gives it
  uint64_t size = 0;   // kFile: bytes, as seen when the entry was listed
  uint32_t mode = 0644;
  int64_t mtime = 0;  // seconds since the epoch
};

/// The header block(s) of `entry`: one 512-byte ustar block, preceded by a
/// PAX header and its records when a field does not fit.
std::string TarHeader(const TarEntry& entry);

/// Streams the archive of `entries`, in order, ending with the two zero
/// blocks. A file whose size changed after it was listed is cut or padded
/// with zeros to the listed size, so the archive stays well formed.
class TarStream {
 public:
  explicit TarStream(std::vector<TarEntry> entries) : entries_(std::move(entries)) {}
  ~TarStream();
  TarStream(const TarStream&) = delete;
  TarStream& operator=(const TarStream&) = delete;

  /// Fills `buffer` with up to `size` bytes of the archive. Returns the
  /// count, 0 at the end, or -1 when a file cannot be read (see error()).
  long Read(char* buffer, size_t size);

  const std::string& error() const { return error_; }
  /// Bytes of the archive produced so far.
  uint64_t bytes() const { return bytes_; }

 private:
  bool StartEntry();  // false at the end or on error

  std::vector<TarEntry> entries_;
  size_t next_ = 0;      // index of the next entry to start
  std::string pending_;  // header or trailer bytes not yet handed out
  size_t pending_at_ = 0;
  int fd_ = -1;                // content of the current file
  uint64_t content_left_ = 0;  // of the current file's listed size
  size_t padding_ = 0;         // zeros after the content up to a block
  bool finished_ = false;
  uint64_t bytes_ = 0;
  std::string error_;
};

}  // namespace tame

#endif  // TAME_RUNNER_STEPS_TAR_WRITER_H_
