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

/// Replaces `path` with `text` atomically: a temporary file in the same
/// folder, flushed, then renamed over it. The old file's mode is kept.
bool WriteFileAtomic(const std::string& path, const std::string& text, std::string* error);

}  // namespace tame

#endif  // TAME_RUNNER_FILES_H_
