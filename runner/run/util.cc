#include "runner/run/util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <random>

#include "runner/files.h"

namespace tame {

int64_t SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

namespace {

std::string FormatTime(const char* format, bool utc, bool millis) {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  struct tm tm;
  if (utc) {
    gmtime_r(&tv.tv_sec, &tm);
  } else {
    localtime_r(&tv.tv_sec, &tm);
  }
  char buf[64];
  size_t n = strftime(buf, sizeof(buf), format, &tm);
  std::string out(buf, n);
  if (millis) {
    char ms[8];
    std::snprintf(ms, sizeof(ms), ".%03d", static_cast<int>(tv.tv_usec / 1000));
    out += ms;
  }
  return out;
}

}  // namespace

std::string IsoTimeNow() {
  // Formatting a time costs more than writing a journal line: the part up
  // to the second is kept until the second changes.
  static time_t cached_second = -1;
  static char cached[32];
  static size_t cached_length = 0;
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  if (tv.tv_sec != cached_second) {
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    cached_length = strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S", &tm);
    cached_second = tv.tv_sec;
  }
  const int ms = static_cast<int>(tv.tv_usec / 1000);
  std::string out(cached, cached_length);
  const char tail[] = {'.', static_cast<char>('0' + ms / 100),
                       static_cast<char>('0' + ms / 10 % 10), static_cast<char>('0' + ms % 10),
                       'Z'};
  out.append(tail, sizeof(tail));
  return out;
}

std::string CompactTimeNow() { return FormatTime("%Y%m%dT%H%M%S", true, true) + "Z"; }

std::string ClockTimeNow() {
  static time_t cached_second = -1;
  static std::string cached;
  time_t now = time(nullptr);
  if (now != cached_second) {
    cached = FormatTime("%H:%M:%S", false, false);
    cached_second = now;
  }
  return cached;
}

std::string ShortDuration(int64_t ms) {
  char buf[32];
  if (ms < 100) {  // "0.0s" would say nothing of a 10 ms backoff
    std::snprintf(buf, sizeof(buf), "%dms", static_cast<int>(ms < 0 ? 0 : ms));
  } else if (ms < 60000) {
    std::snprintf(buf, sizeof(buf), "%.1fs", static_cast<double>(ms) / 1000);
  } else if (ms < 3600000) {
    std::snprintf(buf, sizeof(buf), "%dm%02ds", static_cast<int>(ms / 60000),
                  static_cast<int>(ms / 1000 % 60));
  } else {
    std::snprintf(buf, sizeof(buf), "%dh%02dm", static_cast<int>(ms / 3600000),
                  static_cast<int>(ms / 60000 % 60));
  }
  return buf;
}

namespace {

const Json* Member(const Json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

}  // namespace

std::string Field(const Json& j, const char* key, const std::string& fallback) {
  const Json* m = Member(j, key);
  return m != nullptr && m->is_string() ? m->get<std::string>() : fallback;
}

std::string Field(const Json& j, const char* key, const char* fallback) {
  return Field(j, key, std::string(fallback));
}

bool Field(const Json& j, const char* key, bool fallback) {
  const Json* m = Member(j, key);
  return m != nullptr && m->is_boolean() ? m->get<bool>() : fallback;
}

int64_t Field(const Json& j, const char* key, int64_t fallback) {
  const Json* m = Member(j, key);
  return m != nullptr && m->is_number_integer() ? m->get<int64_t>() : fallback;
}

std::string QuoteJson(const std::string& text) {
  // Plain printable ASCII, the usual case (ids, hashes, paths), needs no
  // escaping; anything else goes through the JSON library.
  for (char c : text) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
      return Json(text).dump(-1, ' ', false, Json::error_handler_t::replace);
    }
  }
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  out += text;
  out += '"';
  return out;
}

bool WriteMaskedFile(const MaskPatterns& mask, const std::string& path, const std::string& text,
                     std::string* error) {
  return WriteFileAtomic(path, mask.Mask(text), error);
}

Json MaskJson(const Json& value, const MaskPatterns& mask) {
  if (value.is_string()) return mask.Mask(value.get_ref<const std::string&>());
  if (value.is_array()) {
    Json out = Json::array();
    for (const Json& item : value) out.push_back(MaskJson(item, mask));
    return out;
  }
  if (value.is_object()) {
    Json out = Json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      out[mask.Mask(it.key())] = MaskJson(it.value(), mask);
    }
    return out;
  }
  return value;
}

std::string XmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') break;  // not allowed in XML
        out += ch;
    }
  }
  return out;
}

std::string NeutraliseControls(const std::string& text) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    unsigned code = c;
    size_t width = 1;
    if (c == 0xC2 && i + 1 < text.size()) {
      unsigned char next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9F) {
        code = next;  // U+0080..U+009F: C1 controls, such as CSI
        width = 2;
      }
    }
    bool control = (code < 0x20 && code != '\t') || code == 0x7F || (width == 2);
    if (!control) {
      out += text[i];
      continue;
    }
    out += std::string("\\x") + kHex[code >> 4] + kHex[code & 15];
    i += width - 1;
  }
  return out;
}

bool WriteFileReplace(const std::string& path, const std::string& text, std::string* error) {
  std::string tmp = path + ".tmp-" + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = std::string("cannot write: ") + std::strerror(errno);
    return false;
  }
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  bool ok = done == text.size();
  if (close(fd) != 0) ok = false;
  if (ok && rename(tmp.c_str(), path.c_str()) != 0) ok = false;
  if (!ok) {
    *error = std::string("cannot write: ") + std::strerror(errno);
    unlink(tmp.c_str());
  }
  return ok;
}

bool MakeDirs(const std::string& path, std::string* error) {
  if (path.empty()) return true;
  struct stat st;
  if (stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return true;
    *error = path + " is not a folder";
    return false;
  }
  size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0 && !MakeDirs(path.substr(0, slash), error)) {
    return false;
  }
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    *error = "cannot create " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

std::string RandomHex(size_t count) {
  static const char kDigits[] = "0123456789abcdef";
  unsigned char bytes[64];
  count = std::min(count, sizeof(bytes));
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  bool ok = fd >= 0 && read(fd, bytes, count) == static_cast<ssize_t>(count);
  if (fd >= 0) close(fd);
  if (!ok) {
    std::random_device rd;
    for (size_t i = 0; i < count; ++i) bytes[i] = static_cast<unsigned char>(rd());
  }
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

}  // namespace tame
