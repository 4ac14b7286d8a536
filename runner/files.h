// Reading and writing the files the CLI is given.
#ifndef TAME_RUNNER_FILES_H_
#define TAME_RUNNER_FILES_H_

#include <cstddef>
#include <string>

namespace tame {

/// Reads `path` into `text`. Refuses (without reading) a file larger than
/// `max_bytes` and anything that is not a regular file. On failure returns
/// false with `error` saying why, without the path.
bool ReadFile(const std::string& path, size_t max_bytes, std::string* text, std::string* error);

/// Writes all of `text` to `fd`, again after EINTR and short writes; false,
/// with errno set, on failure.
bool WriteAll(int fd, const std::string& text);

/// Replaces `path` with `text` atomically: a temporary file in the same
/// folder, flushed, then renamed over it. The old file's mode is kept. A
/// symbolic link is followed and its target replaced; a device or a pipe
/// (`/dev/null`, `/dev/stdout`) is written into, never replaced; a folder
/// is refused.
bool WriteFileAtomic(const std::string& path, const std::string& text, std::string* error);

/// Rewrites the file `path` names with `text` in place, as an editor's
/// save should: through a symbolic link to its target, atomically (a
/// temporary file in the target's folder, renamed over it), keeping its
/// mode, owner and group. Refuses, writing nothing, a read-only file (no
/// write bit), a file with more than one hard link (the rename would break
/// the link) and an owner or group it cannot keep. On failure returns false
/// with `error` saying why, without the path.
bool RewriteFile(const std::string& path, const std::string& text, std::string* error);

}  // namespace tame

#endif  // TAME_RUNNER_FILES_H_
