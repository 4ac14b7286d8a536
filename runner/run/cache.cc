#include "runner/run/cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "core/sha256.h"
#include "runner/files.h"
#include "runner/run/util.h"

namespace tame {
namespace {

constexpr size_t kKeepPerStep = 4;
// Files whose times are this close to now are "racy" (see HashFile).
constexpr int64_t kRacyNs = 50 * 1000000;
constexpr char kEntriesFile[] = "entries";

bool StampFromJson(const Json& j, FileStamp* s) {
  if (!j.is_object() || !j.contains("sha") || !j["sha"].is_string()) return false;
  s->sha = j["sha"].get<std::string>();
  s->size = Field(j, "size", int64_t{-1});
  s->mtime_ns = Field(j, "mtime", int64_t{-1});
  s->ctime_ns = Field(j, "ctime", int64_t{-1});
  s->inode = Field(j, "ino", int64_t{-1});
  return true;
}

template <typename T, typename F>
bool MapFromJson(const Json& j, std::map<std::string, T>* out, F convert) {
  if (!j.is_object()) return false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    T value;
    if (!convert(it.value(), &value)) return false;
    (*out)[it.key()] = value;
  }
  return true;
}

bool StringFromJson(const Json& j, std::string* s) {
  if (!j.is_string()) return false;
  *s = j.get<std::string>();
  return true;
}

// Reads what EntryText() writes, for entries whose strings hold no escape
// (ids, hex digests, plain paths): a cached run reads one entry per step,
// and a general JSON parser took longer than the rest of its work. Returns
// false on anything else; the caller then uses the general parser.
class EntryReader {
 public:
  explicit EntryReader(std::string_view text) : text_(text) {}

  bool Read(CacheEntry* e) {
    if (text_.find('\\') != std::string_view::npos || !Take('{')) return false;
    while (true) {
      std::string key;
      if (!String(&key) || !Take(':')) return false;
      bool ok = key == "files"            ? Stamps(&e->files)
                : key == "inputs"         ? Stamps(&e->inputs)
                : key == "outputs"        ? Strings(&e->outputs)
                : key == "parts"          ? Strings(&e->parts)
                : key == "secret_outputs" ? Strings(&e->secret_outputs)
                : key == "key"            ? String(&e->key)
                : key == "pipeline"       ? String(&e->pipeline)
                : key == "step"           ? String(&e->step)
                                          : false;
      if (!ok) return false;
      if (Take('}')) return at_ == text_.size();
      if (!Take(',')) return false;
    }
  }

 private:
  bool Take(char c) {
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  bool String(std::string* out) {
    if (!Take('"')) return false;
    size_t end = text_.find('"', at_);
    if (end == std::string_view::npos) return false;
    out->assign(text_.substr(at_, end - at_));
    at_ = end + 1;
    return true;
  }
  bool Integer(int64_t* out) {
    size_t start = at_;
    if (at_ < text_.size() && text_[at_] == '-') ++at_;
    while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') ++at_;
    if (at_ == start) return false;
    *out = std::strtoll(std::string(text_.substr(start, at_ - start)).c_str(), nullptr, 10);
    return true;
  }
  template <typename F>
  bool Object(F member) {
    if (!Take('{')) return false;
    if (Take('}')) return true;
    do {
      std::string key;
      if (!String(&key) || !Take(':') || !member(key)) return false;
    } while (Take(','));
    return Take('}');
  }
  bool Strings(std::map<std::string, std::string>* out) {
    return Object([&](const std::string& key) { return String(&(*out)[key]); });
  }
  bool Stamps(std::map<std::string, FileStamp>* out) {
    return Object([&](const std::string& key) {
      FileStamp& s = (*out)[key];
      return Object([&](const std::string& field) {
        if (field == "sha") return String(&s.sha);
        if (field == "size") return Integer(&s.size);
        if (field == "mtime") return Integer(&s.mtime_ns);
        if (field == "ctime") return Integer(&s.ctime_ns);
        if (field == "ino") return Integer(&s.inode);
        return false;
      });
    });
  }

  std::string_view text_;
  size_t at_ = 0;
};

bool ParseEntryFast(std::string_view text, CacheEntry* entry) {
  return EntryReader(text).Read(entry);
}

// An entry as one line of JSON. Written by hand: a JSON tree per stored
// step cost more than the rest of storing it.
std::string EntryText(const CacheEntry& e) {
  auto quote = [](const std::string& s) { return QuoteJson(s); };
  auto strings = [&](const std::map<std::string, std::string>& m) {
    std::string out = "{";
    for (const auto& [k, v] : m) out += (out.size() > 1 ? "," : "") + quote(k) + ":" + quote(v);
    return out + "}";
  };
  auto stamps = [&](const std::map<std::string, FileStamp>& m) {
    std::string out = "{";
    for (const auto& [k, v] : m) {
      out += (out.size() > 1 ? "," : "") + quote(k) + ":{\"sha\":" + quote(v.sha) +
             ",\"size\":" + std::to_string(v.size) + ",\"mtime\":" + std::to_string(v.mtime_ns) +
             ",\"ctime\":" + std::to_string(v.ctime_ns) + ",\"ino\":" + std::to_string(v.inode) +
             "}";
    }
    return out + "}";
  };
  return "{\"files\":" + stamps(e.files) + ",\"inputs\":" + stamps(e.inputs) +
         ",\"key\":" + quote(e.key) + ",\"outputs\":" + strings(e.outputs) +
         ",\"parts\":" + strings(e.parts) + ",\"pipeline\":" + quote(e.pipeline) +
         ",\"secret_outputs\":" + strings(e.secret_outputs) + ",\"step\":" + quote(e.step) + "}";
}

bool EntryFromJson(const Json& j, CacheEntry* e) {
  if (!j.is_object()) return false;
  return StringFromJson(j.value("key", Json()), &e->key) &&
         StringFromJson(j.value("pipeline", Json()), &e->pipeline) &&
         StringFromJson(j.value("step", Json()), &e->step) &&
         MapFromJson(j.value("parts", Json::object()), &e->parts, StringFromJson) &&
         MapFromJson(j.value("outputs", Json::object()), &e->outputs, StringFromJson) &&
         MapFromJson(j.value("secret_outputs", Json::object()), &e->secret_outputs,
                     StringFromJson) &&
         MapFromJson(j.value("files", Json::object()), &e->files, StampFromJson) &&
         MapFromJson(j.value("inputs", Json::object()), &e->inputs, StampFromJson);
}

// The SHA-256 of the parts of a step's definition that decide what it does,
// each part framed by its name and a NUL so parts cannot run into another.
std::string DefinitionHash(const Step& step) {
  Sha256 sha;
  auto part = [&](const char* name, const std::string& text) {
    sha.Update(name);
    sha.Update("\0", 1);
    sha.Update(text);
    sha.Update("\0", 1);
  };
  part("id", step.id);
  part("uses", step.uses);
  part("with", step.with.dump(-1, ' ', false, Json::error_handler_t::replace));
  for (const auto& [name, value] : step.env) part(("env." + name).c_str(), value);
  for (const auto& [name, decl] : step.outputs) part(("output." + name).c_str(), decl.path);
  if (step.cache) {
    for (const std::string& input : step.cache->inputs) part("input", input);
  }
  return sha.Hex();
}

void Walk(const std::string& workspace, const std::string& relative,
          const std::vector<std::string>& parts, size_t index, std::set<std::string>* out);

void AddAllFiles(const std::string& workspace, const std::string& relative,
                 std::set<std::string>* out) {
  Walk(workspace, relative, {"**", "*"}, 0, out);
}

// Matches parts[index..] below the folder `relative` ("" is the workspace).
void Walk(const std::string& workspace, const std::string& relative,
          const std::vector<std::string>& parts, size_t index, std::set<std::string>* out) {
  auto join = [&](const std::string& name) {
    return relative.empty() ? name : relative + "/" + name;
  };
  auto full = [&](const std::string& rel) { return workspace + "/" + rel; };
  if (index == parts.size()) {
    struct stat st;
    if (stat(full(relative).c_str(), &st) != 0) return;
    if (S_ISREG(st.st_mode)) {
      out->insert(relative);
    } else if (S_ISDIR(st.st_mode)) {
      AddAllFiles(workspace, relative, out);
    }
    return;
  }
  const std::string& part = parts[index];
  if (part == "**") {
    Walk(workspace, relative, parts, index + 1, out);  // no folder at all
  }
  bool literal = part.find_first_of("*?[") == std::string::npos;
  if (literal) {
    if (part == ".tame" && relative.empty()) return;
    Walk(workspace, join(part), parts, index + 1, out);
    return;
  }
  DIR* dir = opendir(full(relative.empty() ? "." : relative).c_str());
  if (dir == nullptr) return;
  std::vector<std::string> names;
  while (struct dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (relative.empty() && name == ".tame") continue;
    names.push_back(name);
  }
  closedir(dir);
  for (const std::string& name : names) {
    std::string rel = join(name);
    if (part == "**") {
      struct stat st;
      if (name[0] != '.' && lstat(full(rel).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        Walk(workspace, rel, parts, index, out);
      }
    } else if (fnmatch(part.c_str(), name.c_str(), FNM_PERIOD) == 0) {
      Walk(workspace, rel, parts, index + 1, out);
    }
  }
}

}  // namespace

std::string StepDefinitionHash(const Step& step) { return DefinitionHash(step); }

std::vector<std::string> GlobFiles(const std::string& workspace, const std::string& pattern) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= pattern.size()) {
    size_t slash = pattern.find('/', start);
    if (slash == std::string::npos) slash = pattern.size();
    std::string part = pattern.substr(start, slash - start);
    if (!part.empty() && part != ".") parts.push_back(part);
    start = slash + 1;
  }
  std::set<std::string> found;
  Walk(workspace, "", parts, 0, &found);
  return std::vector<std::string>(found.begin(), found.end());
}

Cache::Cache(std::string workspace, bool create_key)
    : workspace_(std::move(workspace)),
      dir_(workspace_ + "/.tame/cache"),
      create_key_(create_key) {}

namespace {

constexpr char kKeyFile[] = "key";
constexpr char kSecretDir[] = "secret";

bool IsKeyText(const std::string& text) {
  std::string_view key(text);
  if (!key.empty() && key.back() == '\n') key.remove_suffix(1);
  return key.size() == 64 && key.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// Writes `text` to `path` only when there is no such file yet, mode 0600:
// a file of its own, then link(2), so a reader never sees half a file and
// of two runs making it at once, one wins and both use its text. False
// with errno set on failure; EEXIST when another was there first.
bool CreateExclusive(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp-" + RandomHex(8);
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return false;
  bool ok =
      write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && fsync(fd) == 0;
  int saved = errno;
  close(fd);
  if (ok && link(tmp.c_str(), path.c_str()) != 0) {
    ok = false;
    saved = errno;
  }
  unlink(tmp.c_str());
  errno = saved;
  return ok;
}

}  // namespace

bool Cache::LoadKey(std::string* error) {
  if (!key_.empty()) return true;
  const std::string path = dir_ + "/" + kKeyFile;
  const std::string shown = ".tame/cache/" + std::string(kKeyFile);
  for (int tries = 0; tries < 2; ++tries) {
    struct stat st;
    if (lstat(path.c_str(), &st) == 0) {
      if (!S_ISREG(st.st_mode)) {
        *error = shown + ": not a regular file; remove it to start the cache afresh";
        return false;
      }
      if ((st.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
        *error = shown + ": others may read it (mode " + mode + "); chmod 600 " + shown;
        return false;
      }
      std::string text;
      std::string read_error;
      if (!ReadFile(path, 4096, &text, &read_error)) {
        *error = shown + ": cannot read it: " + read_error;
        return false;
      }
      if (!IsKeyText(text)) {
        *error = shown +
                 ": not a cache key (64 hex digits); remove it to start the cache afresh (every "
                 "cached step then runs once)";
        return false;
      }
      key_ = text.substr(0, 64);
      return true;
    }
    if (errno != ENOENT) {
      *error = shown + ": " + std::strerror(errno);
      return false;
    }
    if (!create_key_) {
      *error = "no earlier run";
      return false;
    }
    std::string make_error;
    if (!MakeDirs(dir_, &make_error)) {
      *error = make_error;
      return false;
    }
    if (!CreateExclusive(path, RandomHex(32) + "\n") && errno != EEXIST) {
      *error = shown + ": cannot create it: " + std::strerror(errno);
      return false;
    }
  }
  *error = shown + ": cannot create it";
  return false;
}

bool Cache::StoreSecrets(const std::string& key, const std::map<std::string, std::string>& values) {
  const std::string dir = dir_ + "/" + kSecretDir;
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return false;
  struct stat st;
  if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || (st.st_mode & 077) != 0) {
    return false;
  }
  Json j = Json::object();
  for (const auto& [name, value] : values) j[name] = value;
  // Replaced whole (rename), mode 0600 from the start.
  const std::string path = dir + "/" + key;
  const std::string tmp = path + ".tmp-" + RandomHex(8);
  if (!CreateExclusive(tmp, j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n")) {
    return false;
  }
  bool ok = rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) unlink(tmp.c_str());
  return ok;
}

bool Cache::Outputs(const CacheEntry& entry, std::map<std::string, std::string>* outputs,
                    std::string* why) {
  *outputs = entry.outputs;
  if (entry.secret_outputs.empty()) return true;
  const std::string path = dir_ + "/" + kSecretDir + "/" + entry.key;
  std::string text;
  std::string error;
  struct stat st;
  if (lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0 ||
      !ReadFile(path, 1 << 20, &text, &error)) {
    *why = "its secret outputs are not in .tame/cache/secret";
    return false;
  }
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  for (const auto& [name, unused] : entry.secret_outputs) {
    auto it = j.is_object() ? j.find(name) : j.end();
    if (!j.is_object() || it == j.end() || !it->is_string()) {
      *why = "its secret outputs are not in .tame/cache/secret";
      return false;
    }
    (*outputs)[name] = it->get<std::string>();
  }
  return true;
}

// The pipeline's name as the entries file keeps it.
static std::string PipelineTag(const std::string& name) {
  static std::string last_name;
  static std::string last_tag;
  if (last_tag.empty() || name != last_name) {
    last_name = name;
    last_tag = Sha256Hex(name).substr(0, 16);
  }
  return last_tag;
}

void Cache::Load() {
  if (loaded_) return;
  loaded_ = true;
  std::string error;
  if (!ReadFile(dir_ + "/" + kEntriesFile, size_t{1} << 30, &text_, &error)) text_.clear();
  const std::string_view text(text_);
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) break;  // an unfinished last line is dropped
    Index(text.substr(start, nl - start));
    start = nl + 1;
  }
}

// Indexes one line (without its newline); `text` must stay in place.
void Cache::Index(std::string_view text) {
  Line line;
  size_t a = text.find(' ');
  size_t b = a == std::string_view::npos ? a : text.find(' ', a + 1);
  size_t c = b == std::string_view::npos ? b : text.find(' ', b + 1);
  if (c == std::string_view::npos) return;  // not a line tame wrote
  line.key = text.substr(0, a);
  line.step = text.substr(a + 1, b - a - 1);
  line.pipeline = text.substr(b + 1, c - b - 1);
  line.json = text.substr(c + 1);
  size_t index = lines_.size();
  by_key_[line.key] = index;
  latest_[{line.pipeline, line.step}] = index;
  lines_.push_back(line);
}

// The entry on line `index`, or nullptr when the line is damaged (a miss).
const CacheEntry* Cache::Parsed(size_t index) {
  auto known = parsed_.find(index);
  if (known != parsed_.end()) return &known->second;
  const std::string_view json = lines_[index].json;
  CacheEntry entry;
  if (!ParseEntryFast(json, &entry)) {
    entry = CacheEntry();
    Json j = Json::parse(json.begin(), json.end(), nullptr, false);
    if (j.is_discarded() || !EntryFromJson(j, &entry)) return nullptr;
  }
  if (entry.key != lines_[index].key) return nullptr;
  return &parsed_.emplace(index, std::move(entry)).first->second;
}

bool Cache::HashFile(const std::string& relative, const std::map<std::string, FileStamp>* known,
                     FileStamp* stamp, std::string* error) {
  const std::string path = workspace_ + "/" + relative;
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    *error = "cannot read " + relative + ": " + std::strerror(errno);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    *error = "cannot read " + relative + ": not a file";
    return false;
  }
  stamp->size = st.st_size;
  stamp->mtime_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  stamp->ctime_ns = int64_t{st.st_ctim.tv_sec} * 1000000000 + st.st_ctim.tv_nsec;
  stamp->inode = static_cast<int64_t>(st.st_ino);
  if (known != nullptr) {
    auto it = known->find(relative);
    if (it != known->end() && it->second.ctime_ns >= 0 && it->second.size == stamp->size &&
        it->second.mtime_ns == stamp->mtime_ns && it->second.ctime_ns == stamp->ctime_ns &&
        it->second.inode == stamp->inode) {
      stamp->sha = it->second.sha;
      return true;
    }
  }
  // A file changed within the clock's step of now could change again
  // without its times moving: its hash is not to be reused.
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  const int64_t now_ns = int64_t{now.tv_sec} * 1000000000 + now.tv_nsec;
  if (now_ns - std::max(stamp->mtime_ns, stamp->ctime_ns) < kRacyNs) stamp->ctime_ns = -1;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot read " + relative + ": " + std::strerror(errno);
    return false;
  }
  Sha256 sha;
  char buf[1 << 16];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) sha.Update(buf, static_cast<size_t>(n));
  }
  close(fd);
  stamp->sha = sha.Hex();
  return true;
}

bool Cache::ComputeKey(const std::string& pipeline, const Step& step, const std::string& definition,
                       const std::map<std::string, std::string>& refs,
                       const std::map<std::string, std::string>& file_refs, CacheEntry* entry,
                       std::string* error) {
  Load();
  if (!LoadKey(error)) return false;
  entry->pipeline = pipeline;
  entry->step = step.id;
  entry->parts.clear();
  entry->inputs.clear();
  entry->parts["definition"] = definition;
  // File hashes seen by the step's latest entry are reused when size and
  // mtime still match; that entry is only read for steps with files.
  const CacheEntry* latest = nullptr;
  bool has_files = !file_refs.empty() || (step.cache && !step.cache->inputs.empty());
  if (has_files) latest = Latest(pipeline, step.id);
  for (const auto& [ref, value] : refs) {
    // Values (secrets among them) enter the key only through an HMAC
    // under the workspace's key.
    entry->parts["ref:" + ref] = HmacSha256Hex(key_, ref + '\0' + value);
  }
  for (const auto& [ref, path] : file_refs) {
    FileStamp stamp;
    if (!HashFile(path, latest ? &latest->inputs : nullptr, &stamp, error)) return false;
    entry->parts["file:" + path] = stamp.sha;
    entry->inputs[path] = stamp;
  }
  if (step.cache) {
    for (const std::string& pattern : step.cache->inputs) {
      std::vector<std::string> files = GlobFiles(workspace_, pattern);
      entry->parts["glob:" + pattern] = std::to_string(files.size()) + " files";
      for (const std::string& file : files) {
        FileStamp stamp;
        if (!HashFile(file, latest ? &latest->inputs : nullptr, &stamp, error)) return false;
        entry->parts["file:" + file] = stamp.sha;
        entry->inputs[file] = stamp;
      }
    }
  }
  Sha256 key;
  key.Update("tame-cache-1\n");
  for (const auto& [name, hash] : entry->parts) {
    key.Update(name);
    key.Update("\0", 1);
    key.Update(hash);
    key.Update("\n");
  }
  entry->key = key.Hex();
  return true;
}

const CacheEntry* Cache::Find(const std::string& key) {
  Load();
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : Parsed(it->second);
}

const CacheEntry* Cache::Latest(const std::string& pipeline, const std::string& step) {
  Load();
  auto it = latest_.find({PipelineTag(pipeline), step});
  return it == latest_.end() ? nullptr : Parsed(it->second);
}

bool Cache::OutputsIntact(const CacheEntry& entry, std::string* why) {
  for (const auto& [path, stamp] : entry.files) {
    FileStamp now;
    std::string error;
    if (!HashFile(path, &entry.files, &now, &error)) {
      *why = "output file " + path + " is missing";
      return false;
    }
    if (now.sha != stamp.sha) {
      *why = "output file " + path + " changed";
      return false;
    }
  }
  return true;
}

bool Cache::StampOutputs(const Step& step, CacheEntry* entry, std::string* error) {
  entry->files.clear();
  for (const auto& [name, decl] : step.outputs) {
    if (decl.path.empty()) continue;
    FileStamp stamp;
    if (!HashFile(decl.path, nullptr, &stamp, error)) return false;
    entry->files[decl.path] = stamp;
  }
  return true;
}

void Cache::Store(const CacheEntry& entry) {
  Load();
  added_.push_back(entry.key + " " + entry.step + " " + PipelineTag(entry.pipeline) + " " +
                   EntryText(entry));
  Index(added_.back());
  unwritten_ += added_.back();
  unwritten_ += '\n';
  if (unwritten_.size() >= (1u << 16)) Flush();
}

void Cache::Flush() {
  if (unwritten_.empty()) return;
  std::string error;
  if (MakeDirs(dir_, &error)) {
    int fd =
        open((dir_ + "/" + kEntriesFile).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ssize_t n = write(fd, unwritten_.data(), unwritten_.size());
      (void)n;  // a short write leaves an unfinished line, which Load() drops
      close(fd);
    }
  }
  unwritten_.clear();
}

std::string Cache::ExplainMiss(const CacheEntry& entry) {
  const CacheEntry* latest = Latest(entry.pipeline, entry.step);
  if (latest == nullptr) return "no earlier run";
  if (latest->key == entry.key) return "";
  auto describe = [](const std::string& part) {
    if (part == "definition") return std::string("the step's definition changed");
    if (part.rfind("ref:", 0) == 0) return part.substr(4) + " changed";
    if (part.rfind("file:", 0) == 0) return "input " + part.substr(5) + " changed";
    if (part.rfind("glob:", 0) == 0) return "the files " + part.substr(5) + " matches changed";
    return part + " changed";
  };
  for (const auto& [part, hash] : entry.parts) {
    auto it = latest->parts.find(part);
    if (it == latest->parts.end()) {
      return part.rfind("file:", 0) == 0 ? "input " + part.substr(5) + " is new" : describe(part);
    }
    if (it->second != hash) return describe(part);
  }
  for (const auto& [part, hash] : latest->parts) {
    if (entry.parts.count(part) == 0) {
      return part.rfind("file:", 0) == 0 ? "input " + part.substr(5) + " is gone" : describe(part);
    }
  }
  return "an earlier input changed";
}

void Cache::Compact() {
  Load();
  Flush();
  if (lines_.size() < 1000 || lines_.size() < 2 * kKeepPerStep * latest_.size()) return;
  std::map<std::pair<std::string_view, std::string_view>, size_t> kept_per_step;
  std::set<std::string_view> kept_keys;
  std::vector<size_t> keep;
  for (size_t i = lines_.size(); i-- > 0;) {
    const Line& line = lines_[i];
    size_t& count = kept_per_step[{line.pipeline, line.step}];
    if (count >= kKeepPerStep || !kept_keys.insert(line.key).second) continue;
    ++count;
    keep.push_back(i);
  }
  std::string text;
  for (auto it = keep.rbegin(); it != keep.rend(); ++it) {
    const Line& line = lines_[*it];
    for (std::string_view part : {line.key, line.step, line.pipeline}) {
      text += part;
      text += ' ';
    }
    text += line.json;
    text += '\n';
  }
  std::string error;
  WriteFileReplace(dir_ + "/" + kEntriesFile, text, &error);
}

}  // namespace tame
