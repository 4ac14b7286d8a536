#include "runner/steps/docker_context.h"

#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "runner/files.h"

namespace tame {
namespace {

constexpr size_t kMaxIgnoreFile = 1 << 20;
constexpr int kMaxLinkHops = 40;  // as the kernel's ELOOP limit

// Matches the class starting after '[' at p[*pi] against `c`; moves *pi
// past the ']'. False in `*ok` when the class is malformed.
bool MatchClass(const std::string& p, size_t* pi, char c, bool* ok) {
  size_t i = *pi;
  bool negate = i < p.size() && p[i] == '^';
  if (negate) ++i;
  bool matched = false;
  bool first = true;
  while (true) {
    if (i >= p.size()) {
      *ok = false;
      return false;
    }
    if (p[i] == ']' && !first) break;
    first = false;
    char lo = p[i];
    if (lo == '\\') {
      if (++i >= p.size()) break;
      lo = p[i];
    }
    char hi = lo;
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      i += 2;
      hi = p[i];
      if (hi == '\\') {
        if (++i >= p.size()) break;
        hi = p[i];
      }
    }
    if (lo <= c && c <= hi) matched = true;
    ++i;
  }
  *pi = i + 1;
  *ok = true;
  return matched != negate && c != '/';
}

bool GlobAt(const std::string& p, size_t pi, const std::string& s, size_t si) {
  while (pi < p.size()) {
    char c = p[pi];
    if (c == '*') {
      if (pi + 1 < p.size() && p[pi + 1] == '*') {
        pi += 2;
        if (pi < p.size() && p[pi] == '/') ++pi;
        if (pi == p.size()) return true;  // "**" at the end takes everything
        // "(.*/)?": nothing, or anything that ends with a '/'.
        if (GlobAt(p, pi, s, si)) return true;
        for (size_t k = si; k < s.size(); ++k) {
          if (s[k] == '/' && GlobAt(p, pi, s, k + 1)) return true;
        }
        return false;
      }
      ++pi;
      for (size_t k = si;; ++k) {
        if (GlobAt(p, pi, s, k)) return true;
        if (k == s.size() || s[k] == '/') return false;
      }
    }
    if (si == s.size()) return false;
    if (c == '?') {
      if (s[si] == '/') return false;
    } else if (c == '[') {
      bool ok = true;
      ++pi;
      if (!MatchClass(p, &pi, s[si], &ok)) return false;
      ++si;
      continue;
    } else {
      if (c == '\\' && ++pi == p.size()) return false;
      if (p[pi] != s[si]) return false;
    }
    ++pi;
    ++si;
  }
  return si == s.size();
}

bool ValidGlob(const std::string& p) {
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\') {
      if (++i == p.size()) return false;
    } else if (p[i] == '[') {
      size_t at = i + 1;
      bool ok = true;
      MatchClass(p, &at, 'a', &ok);
      if (!ok) return false;
      i = at - 1;
    }
  }
  return true;
}

std::string Trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r\n\f\v");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t\r\n\f\v");
  return s.substr(a, b - a + 1);
}

std::string Parent(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

// Follows `target` (a link's content) from the physical folder `dir`, one
// name at a time and through further links, as the kernel would. Returns
// false as soon as a step would leave `root`; names that do not exist are
// followed by their spelling, and a loop of links stops the walk.
bool StaysInside(const std::string& root, const std::string& dir, const std::string& target,
                 int* hops, std::string* resolved) {
  if (target.empty() || target[0] == '/') return false;
  std::string at = dir;
  size_t start = 0;
  while (start <= target.size()) {
    size_t slash = target.find('/', start);
    if (slash == std::string::npos) slash = target.size();
    std::string name = target.substr(start, slash - start);
    start = slash + 1;
    if (name.empty() || name == ".") continue;
    if (name == "..") {
      if (at == root) return false;
      at = Parent(at);
      continue;
    }
    std::string next = at + "/" + name;
    struct stat st;
    if (lstat(next.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      // A loop resolves to nothing (ELOOP), so it cannot lead out either.
      if (--*hops < 0) break;
      char buffer[PATH_MAX];
      ssize_t n = readlink(next.c_str(), buffer, sizeof buffer);
      if (n < 0) return false;
      if (!StaysInside(root, at, std::string(buffer, static_cast<size_t>(n)), hops, &next)) {
        return false;
      }
    }
    at = next;
  }
  *resolved = at;
  return true;
}

struct Walker {
  std::string root;  // physical, absolute
  const DockerIgnore* ignore;
  ContextListing* out;
  std::string* error;

  bool Walk(const std::string& rel);
  bool Add(const std::string& rel, const struct stat& st);
};

bool Walker::Walk(const std::string& rel) {
  std::string dir = rel.empty() ? root : root + "/" + rel;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    *error = "cannot read the folder " + dir + ": " + std::strerror(errno);
    return false;
  }
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
      names.push_back(e->d_name);
    }
  }
  closedir(d);
  std::sort(names.begin(), names.end());  // the same archive for the same folder
  for (const std::string& name : names) {
    std::string child = rel.empty() ? name : rel + "/" + name;
    std::string path = root + "/" + child;
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;  // gone since the folder was read
      *error = "cannot read " + path + ": " + std::strerror(errno);
      return false;
    }
    bool excluded = ignore->Excluded(child);
    if (S_ISDIR(st.st_mode)) {
      if (!excluded && !Add(child, st)) return false;
      if ((!excluded || ignore->MayIncludeUnder(child)) && !Walk(child)) return false;
    } else if (!excluded && !Add(child, st)) {
      return false;
    }
  }
  return true;
}

bool Walker::Add(const std::string& rel, const struct stat& st) {
  TarEntry entry;
  entry.name = rel;
  entry.mode = st.st_mode & 07777;
  entry.mtime = st.st_mtime;
  std::string path = root + "/" + rel;
  if (S_ISDIR(st.st_mode)) {
    entry.type = TarEntry::Type::kDirectory;
  } else if (S_ISREG(st.st_mode)) {
    entry.source = path;
    entry.size = static_cast<uint64_t>(st.st_size);
    out->bytes += entry.size;
  } else if (S_ISLNK(st.st_mode)) {
    char buffer[PATH_MAX];
    ssize_t n = readlink(path.c_str(), buffer, sizeof buffer);
    if (n < 0) {
      *error = "cannot read the link " + path + ": " + std::strerror(errno);
      return false;
    }
    entry.type = TarEntry::Type::kSymlink;
    entry.link.assign(buffer, static_cast<size_t>(n));
    int hops = kMaxLinkHops;
    std::string resolved;
    if (!StaysInside(root, Parent(path), entry.link, &hops, &resolved)) {
      *error = "\"" + rel + "\" is a symbolic link to \"" + entry.link +
               "\", outside the context folder " + root +
               "; a build context may not reach outside its folder";
      return false;
    }
  } else {
    const char* what = S_ISSOCK(st.st_mode)   ? "a socket"
                       : S_ISFIFO(st.st_mode) ? "a named pipe"
                                              : "a device";
    out->warnings.push_back("left out \"" + rel + "\": " + what + " cannot be sent");
    return true;
  }
  out->entries.push_back(std::move(entry));
  return true;
}

}  // namespace

std::string CleanPath(const std::string& path) {
  if (path.empty()) return ".";
  bool rooted = path[0] == '/';
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    std::string part = path.substr(start, slash - start);
    start = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back("..");
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out = rooted ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) out += (i > 0 ? "/" : "") + parts[i];
  return out.empty() ? "." : out;
}

bool GlobMatch(const std::string& pattern, const std::string& path) {
  return ValidGlob(pattern) && GlobAt(pattern, 0, path, 0);
}

bool DockerIgnore::Parse(const std::string& text, std::string* error) {
  size_t start = 0;
  for (int line_no = 1; start < text.size(); ++line_no) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(start, nl - start);
    start = nl + 1;
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line = line.substr(3);
    if (!line.empty() && line[0] == '#') continue;
    line = Trim(line);
    if (line.empty()) continue;
    bool exception = line[0] == '!';
    std::string glob = exception ? Trim(line.substr(1)) : line;
    if (glob.empty()) {
      *error = ".dockerignore line " + std::to_string(line_no) + ": \"!\" needs a pattern after it";
      return false;
    }
    glob = CleanPath(glob);
    if (glob.size() > 1 && glob[0] == '/') glob = glob.substr(1);
    if (!ValidGlob(glob)) {
      *error = ".dockerignore line " + std::to_string(line_no) + ": \"" + line +
               "\" is not a valid pattern";
      return false;
    }
    patterns_.push_back({glob, exception});
  }
  return true;
}

void DockerIgnore::Add(const std::string& line) {
  bool exception = !line.empty() && line[0] == '!';
  patterns_.push_back({CleanPath(exception ? line.substr(1) : line), exception});
}

bool DockerIgnore::Excluded(const std::string& path) const {
  // moby/patternmatcher's MatchesOrParentMatches: a pattern counts when it
  // matches the path or one of the folders above it; the last one decides.
  std::vector<std::string> parents;
  for (size_t slash = path.find('/'); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    parents.push_back(path.substr(0, slash));
  }
  bool matched = false;
  for (const Pattern& p : patterns_) {
    if (p.exception != matched) continue;  // cannot change the answer
    bool match = GlobAt(p.glob, 0, path, 0);
    for (size_t i = 0; !match && i < parents.size(); ++i) {
      match = GlobAt(p.glob, 0, parents[i], 0);
    }
    if (match) matched = !p.exception;
  }
  return matched;
}

bool DockerIgnore::MayIncludeUnder(const std::string& dir) const {
  // As the docker CLI decides: only an exception that spells out the
  // folder as its start makes the walk look inside.
  for (const Pattern& p : patterns_) {
    if (p.exception && (p.glob + "/").rfind(dir + "/", 0) == 0) return true;
  }
  return false;
}

bool ListContext(const std::string& root, const std::string& dockerfile, ContextListing* out,
                 std::string* error) {
  struct stat st;
  if (stat(root.c_str(), &st) != 0) {
    *error = errno == ENOENT
                 ? "the context folder " + root + " does not exist"
                 : "cannot read the context folder " + root + ": " + std::strerror(errno);
    return false;
  }
  if (!S_ISDIR(st.st_mode)) {
    *error = "the context " + root + " is not a folder";
    return false;
  }
  char* real = realpath(root.c_str(), nullptr);
  if (real == nullptr) {
    *error = "cannot read the context folder " + root + ": " + std::strerror(errno);
    return false;
  }
  std::string physical = real;
  std::free(real);

  out->dockerfile = CleanPath(dockerfile.empty() ? "Dockerfile" : dockerfile);
  if (out->dockerfile[0] == '/' || out->dockerfile == ".." ||
      out->dockerfile.rfind("../", 0) == 0) {
    *error = "the Dockerfile \"" + dockerfile + "\" is outside the context folder " + root +
             "; give its path inside the context, without \"..\"";
    return false;
  }
  std::string dockerfile_path = physical + "/" + out->dockerfile;
  if (stat(dockerfile_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = "there is no Dockerfile \"" + out->dockerfile + "\" in the context folder " + root;
    return false;
  }

  DockerIgnore ignore;
  ignore.Add(".tame");  // tame's own run folders are never part of an image
  std::string ignore_path = physical + "/.dockerignore";
  if (lstat(ignore_path.c_str(), &st) == 0) {
    std::string text, why;
    if (!ReadFile(ignore_path, kMaxIgnoreFile, &text, &why)) {
      *error = ignore_path + ": " + why;
      return false;
    }
    if (!ignore.Parse(text, &why)) {
      *error = root + "/" + why;
      return false;
    }
  }
  // The engine needs these two even when the patterns leave them out.
  if (ignore.Excluded(".dockerignore")) ignore.Add("!.dockerignore");
  if (ignore.Excluded(out->dockerfile)) ignore.Add("!" + out->dockerfile);

  Walker walker{physical, &ignore, out, error};
  return walker.Walk("");
}

}  // namespace tame
