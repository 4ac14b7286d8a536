#include "runner/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tame {

bool ReadFile(const std::string& path, size_t max_bytes, std::string* text, std::string* error) {
  // O_NONBLOCK: a FIFO put where a file should be must not hang the reader.
  int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    *error = std::string("cannot open: ") + std::strerror(errno);
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    *error = std::string("cannot read: ") + std::strerror(errno);
    close(fd);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    *error = S_ISDIR(st.st_mode) ? "is a folder, not a file" : "is not a regular file";
    close(fd);
    return false;
  }
  if (static_cast<size_t>(st.st_size) > max_bytes) {
    *error = "file is " + std::to_string(st.st_size) + " bytes; the limit is " +
             std::to_string(max_bytes);
    close(fd);
    return false;
  }
  text->resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < text->size()) {
    ssize_t n = read(fd, &(*text)[done], text->size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = n < 0 ? std::string("cannot read: ") + std::strerror(errno)
                     : "file shrank while being read";
      close(fd);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  close(fd);
  return true;
}

bool WriteFileAtomic(const std::string& path, const std::string& text, std::string* error) {
  std::string tmp = path + ".tame-tmp-" + std::to_string(getpid());
  mode_t mode = 0644;
  struct stat st;
  if (stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    *error = std::string("cannot write: ") + std::strerror(errno);
    return false;
  }
  size_t done = 0;
  bool ok = true;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (ok && fsync(fd) != 0) ok = false;
  if (close(fd) != 0) ok = false;
  if (ok && rename(tmp.c_str(), path.c_str()) != 0) ok = false;
  if (!ok) {
    *error = std::string("cannot write: ") + std::strerror(errno);
    unlink(tmp.c_str());
  }
  return ok;
}

}  // namespace tame
