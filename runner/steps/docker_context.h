// The build context of docker.build: which files of the context folder go
// to the engine, read the way the docker CLI reads them.
//
//   DockerIgnore    .dockerignore patterns: Go filepath.Match globs with
//                   `**`, `!` exceptions, the last matching pattern wins,
//                   and a pattern that matches a folder excludes what is
//                   in it (moby/patternmatcher's rules)
//   ListContext()   walks the folder into tar entries, refusing anything
//                   that would reach outside it
#ifndef TAME_RUNNER_STEPS_DOCKER_CONTEXT_H_
#define TAME_RUNNER_STEPS_DOCKER_CONTEXT_H_

#include <string>
#include <vector>

#include "runner/steps/tar_writer.h"

namespace tame {

/// `path` cleaned as Go's path.Clean does: no empty, "." or resolvable ".."
/// elements, no trailing '/'; "." when nothing is left.
std::string CleanPath(const std::string& path);

/// Whether glob `pattern` matches all of `path` ('/'-separated): `*` and
/// `?` stop at '/', `[...]` classes (`^` negates), `\` escapes, `**`
/// crosses folders (`**/` also matches nothing). False for a malformed
/// pattern.
bool GlobMatch(const std::string& pattern, const std::string& path);

class DockerIgnore {
 public:
  /// Reads the text of a .dockerignore. Returns false with `error` naming
  /// the line of a pattern that cannot be used.
  bool Parse(const std::string& text, std::string* error);

  /// Adds a pattern, as a line of the file would ("!Dockerfile").
  void Add(const std::string& line);

  /// Whether `path` (relative to the context, cleaned) is left out.
  bool Excluded(const std::string& path) const;

  /// Whether an exception pattern names something inside the excluded
  /// folder `dir`, so the walk must still look into it.
  bool MayIncludeUnder(const std::string& dir) const;

  bool empty() const { return patterns_.empty(); }

 private:
  struct Pattern {
    std::string glob;
    bool exception = false;  // a "!" line: put back what matched before
  };
  std::vector<Pattern> patterns_;
};

struct ContextListing {
  std::vector<TarEntry> entries;
  std::string dockerfile;             // relative to the context, cleaned
  std::vector<std::string> warnings;  // things left out, such as sockets
  uint64_t bytes = 0;                 // total size of the files
};

/// Lists the context folder `root` for a build with `dockerfile` (relative
/// to it), honouring root/.dockerignore; the Dockerfile and .dockerignore
/// are always sent, as the docker CLI sends them. Returns false with
/// `error` when the folder is missing, the Dockerfile is not in it, a
/// path leaves it ("..", absolute), or a symbolic link points outside it.
bool ListContext(const std::string& root, const std::string& dockerfile, ContextListing* out,
                 std::string* error);

}  // namespace tame

#endif  // TAME_RUNNER_STEPS_DOCKER_CONTEXT_H_
