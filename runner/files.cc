#include "runner/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
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

bool WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool WriteFileAtomic(const std::string& path, const std::string& text, std::string* error) {
  // Through a symbolic link to its target, which is what gets replaced.
  std::string target = path;
  char real[PATH_MAX];
  struct stat st;
  bool exists = stat(path.c_str(), &st) == 0;
  if (exists && realpath(path.c_str(), real) != nullptr) target = real;
  struct stat link;
  if (!exists && lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
    // A link to a file yet to be made: make it where the link points.
    ssize_t n = readlink(path.c_str(), real, sizeof(real) - 1);
    if (n > 0) {
      target.assign(real, static_cast<size_t>(n));
      size_t slash = path.rfind('/');
      if (target[0] != '/' && slash != std::string::npos) {
        target = path.substr(0, slash + 1) + target;
      }
    }
  }
  if (exists && S_ISDIR(st.st_mode)) {
    *error = "is a folder; not written";
    return false;
  }
  if (exists && !S_ISREG(st.st_mode)) {
    // A device or a pipe (-o /dev/null, -o /dev/stdout): written into, never
    // replaced, as a rename over it would put a plain file in its place.
    int fd = open(target.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
    bool ok = fd >= 0 && WriteAll(fd, text);
    if (fd >= 0 && close(fd) != 0) ok = false;
    if (!ok) *error = std::string("cannot write: ") + std::strerror(errno);
    return ok;
  }
  mode_t mode = exists ? (st.st_mode & 07777) : 0644;
  std::string tmp = target + ".tame-tmp-" + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    *error = std::string("cannot write: ") + std::strerror(errno);
    return false;
  }
  bool ok = WriteAll(fd, text);
  if (ok && fsync(fd) != 0) ok = false;
  if (close(fd) != 0) ok = false;
  if (ok && rename(tmp.c_str(), target.c_str()) != 0) ok = false;
  if (!ok) {
    *error = std::string("cannot write: ") + std::strerror(errno);
    unlink(tmp.c_str());
  }
  return ok;
}

bool RewriteFile(const std::string& path, const std::string& text, std::string* error) {
  char real[PATH_MAX];
  if (realpath(path.c_str(), real) == nullptr) {
    *error = std::string("cannot open: ") + std::strerror(errno);
    return false;
  }
  const std::string target = real;
  struct stat st;
  if (stat(target.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = "is not a regular file; not written";
    return false;
  }
  char mode[8];
  std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
  if ((st.st_mode & 0222) == 0) {
    *error = std::string("is read-only (mode ") + mode + "); not written";
    return false;
  }
  if (st.st_nlink > 1) {
    *error = "has " + std::to_string(st.st_nlink) +
             " hard links, which replacing it would break; not written";
    return false;
  }
  const std::string tmp = target.substr(0, target.rfind('/') + 1) + "." +
                          target.substr(target.rfind('/') + 1) + ".tame-tmp-" +
                          std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    *error = std::string("cannot write a temporary file beside it: ") + std::strerror(errno);
    return false;
  }
  auto fail = [&](const std::string& why) {
    close(fd);
    unlink(tmp.c_str());
    *error = why;
    return false;
  };
  struct stat made;
  if (fstat(fd, &made) != 0) return fail(std::string("cannot write: ") + std::strerror(errno));
  if ((made.st_uid != st.st_uid || made.st_gid != st.st_gid) &&
      fchown(fd, st.st_uid, st.st_gid) != 0 && fchown(fd, static_cast<uid_t>(-1), st.st_gid) != 0) {
    return fail("cannot keep its group (" + std::to_string(st.st_gid) + "); not written");
  }
  if (fstat(fd, &made) != 0 || made.st_gid != st.st_gid) {
    return fail("cannot keep its group (" + std::to_string(st.st_gid) + "); not written");
  }
  if (made.st_uid != st.st_uid) {
    return fail("cannot keep its owner (" + std::to_string(st.st_uid) + "); not written");
  }
  // After fchown, which may clear set-id bits.
  if (fchmod(fd, st.st_mode & 07777) != 0) {
    return fail(std::string("cannot keep its mode: ") + std::strerror(errno));
  }
  if (!WriteAll(fd, text)) return fail(std::string("cannot write: ") + std::strerror(errno));
  if (fsync(fd) != 0) return fail(std::string("cannot write: ") + std::strerror(errno));
  if (close(fd) != 0 || rename(tmp.c_str(), target.c_str()) != 0) {
    *error = std::string("cannot write: ") + std::strerror(errno);
    unlink(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace tame
