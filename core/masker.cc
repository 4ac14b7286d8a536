#include "core/masker.h"

#include <algorithm>
#include <deque>
#include <set>

namespace tame {
namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string UrlSafe(std::string s) {
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

// The characters of base64(k zero bytes + s) that depend on s alone: they
// appear in any encoding in which s starts at a byte offset = k (mod 3).
std::string Base64Core(const std::string& s, size_t k) {
  std::string encoded = Base64Encode(std::string(k, '\0') + s);
  size_t first = (8 * k + 5) / 6;
  size_t last = (8 * (k + s.size())) / 6;  // exclusive
  if (last <= first) return "";
  return encoded.substr(first, last - first);
}

bool IsBase64Char(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/' || c == '-' || c == '_';
}

int HexValue(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `form` as the automaton's view reads it: each %XX decoded.
std::string DecodeEscapes(const std::string& form) {
  std::string out;
  for (size_t i = 0; i < form.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(form[i]);
    int hi =
        c == '%' && i + 2 < form.size() ? HexValue(static_cast<unsigned char>(form[i + 1])) : -1;
    int lo = hi >= 0 ? HexValue(static_cast<unsigned char>(form[i + 2])) : -1;
    if (lo >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

std::string PercentEncode(std::string_view data, bool lower_hex, bool plus_for_space) {
  const char* hex = lower_hex ? "0123456789abcdef" : "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : data) {
    if (IsUnreserved(c)) {
      out += static_cast<char>(c);
    } else if (c == ' ' && plus_for_space) {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

namespace {

// How a JSON encoder may write a string beyond the minimal escapes.
enum JsonStyle : unsigned {
  kJsonAscii = 1,  // non-ASCII text as \uXXXX (Python's json.dumps)
  kJsonSlash = 2,  // '/' as "\/" (PHP's json_encode)
  kJsonHtml = 4,   // <, > and & as \u003c, \u003e, \u0026 (Go's encoding/json)
};

// The JSON string body of `s` as an encoder of `style` writes it; "" when
// `s` is not UTF-8 and the style must decode it.
std::string JsonEscape(const std::string& s, unsigned style) {
  const bool ascii = (style & kJsonAscii) != 0;
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  auto unicode = [&](uint32_t cp) {
    auto four = [&](uint32_t u) {
      out += "\\u";
      for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(u >> shift) & 15];
    };
    if (cp >= 0x10000) {
      cp -= 0x10000;
      four(0xD800 + (cp >> 10));
      four(0xDC00 + (cp & 0x3FF));
    } else {
      four(cp);
    }
  };
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      default:
        break;
    }
    if (c < 0x20 || ((style & kJsonHtml) && (c == '<' || c == '>' || c == '&'))) {
      unicode(c);
    } else if (c == '/' && (style & kJsonSlash)) {
      out += "\\/";
    } else if (c >= 0x80 && ascii) {
      int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : -1;
      uint32_t cp = c & (extra == 3 ? 0x07 : extra == 2 ? 0x0F : 0x1F);
      bool valid = extra > 0 && i + extra < s.size();
      for (int k = 1; valid && k <= extra; ++k) {
        unsigned char cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xC0) != 0x80) valid = false;
        cp = (cp << 6) | (cc & 0x3F);
      }
      if (!valid) return "";  // not UTF-8: no encoder writes it this way
      unicode(cp);
      i += extra;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string::npos) nl = s.size();
    std::string line = s.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
    start = nl + 1;
  }
  return lines;
}

}  // namespace

std::string Base64Encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = (uint32_t{static_cast<uint8_t>(data[i])} << 16) |
                 (uint32_t{static_cast<uint8_t>(data[i + 1])} << 8) |
                 uint32_t{static_cast<uint8_t>(data[i + 2])};
    out += kBase64[(v >> 18) & 63];
    out += kBase64[(v >> 12) & 63];
    out += kBase64[(v >> 6) & 63];
    out += kBase64[v & 63];
  }
  size_t rest = data.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t{static_cast<uint8_t>(data[i])} << 16;
    if (rest == 2) v |= uint32_t{static_cast<uint8_t>(data[i + 1])} << 8;
    out += kBase64[(v >> 18) & 63];
    out += kBase64[(v >> 12) & 63];
    out += rest == 2 ? kBase64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::vector<std::string> SecretForms(const std::string& secret) {
  std::vector<std::string> forms;
  std::set<std::string> seen;
  auto add = [&](const std::string& form, bool derived) {
    if (form.empty() || (derived && form.size() < kMinDerivedForm)) return;
    if (seen.insert(form).second) forms.push_back(form);
  };
  if (secret.empty()) return forms;
  add(secret, false);
  std::vector<std::string> sources{secret};
  std::vector<std::string> lines = Lines(secret);
  if (lines.size() > 1) {
    for (const std::string& line : lines) {
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      add(line, true);
      sources.push_back(line);
    }
  }
  for (const std::string& s : sources) {
    for (size_t k = 0; k < 3; ++k) {
      std::string core = Base64Core(s, k);
      add(core, true);
      add(UrlSafe(core), true);
    }
    add(PercentEncode(s), true);
    add(PercentEncode(s, /*lower_hex=*/true), true);
    add(PercentEncode(s, false, /*plus_for_space=*/true), true);
    for (unsigned style = 0; style < 8; ++style) add(JsonEscape(s, style), true);
  }
  return forms;
}

MaskPatterns::MaskPatterns(const std::vector<std::string>& secrets) {
  std::vector<std::string> patterns;
  std::set<std::string> seen;
  for (const std::string& secret : secrets) {
    for (const std::string& form : SecretForms(secret)) {
      std::string view = DecodeEscapes(form);
      std::string key = view;
      std::replace(key.begin(), key.end(), ' ', '+');  // one class, see Build()
      if (seen.insert(key).second) patterns.push_back(std::move(view));
    }
  }
  Build(patterns);
}

// Builds the trie of all patterns, then turns it into a full transition
// table (a DFA) in breadth-first order, Aho-Corasick style: each missing
// edge follows the failure link of its state. Bytes that occur in no
// pattern share class 0, which keeps the table small.
void MaskPatterns::Build(const std::vector<std::string>& patterns) {
  pattern_count_ = patterns.size();
  for (const std::string& p : patterns) max_length_ = std::max(max_length_, p.size());
  if (max_length_ == 0) return;
  // The bytes that need a closer look have classes of their own, and ' '
  // shares the class of '+'.
  for (unsigned char c : {'\n', '\r', '%'}) class_of_[c] = static_cast<uint8_t>(classes_++);
  for (const std::string& p : patterns) {
    for (unsigned char c : p) {
      if (c == ' ') c = '+';
      if (class_of_[c] == 0) class_of_[c] = static_cast<uint8_t>(classes_++);
    }
  }
  class_of_[static_cast<unsigned char>(' ')] = class_of_[static_cast<unsigned char>('+')];
  // The trie, with -1 for a missing edge.
  std::vector<int32_t> edges(classes_, -1);
  std::vector<uint32_t> terminal(1, 0);
  depth_.assign(1, 0);
  for (const std::string& p : patterns) {
    int32_t state = 0;
    for (unsigned char c : p) {
      size_t slot = static_cast<size_t>(state) * classes_ + class_of_[c];
      if (edges[slot] < 0) {
        edges[slot] = static_cast<int32_t>(terminal.size());
        terminal.push_back(0);
        depth_.push_back(depth_[state] + 1);
        edges.resize(edges.size() + classes_, -1);
      }
      state = edges[slot];
    }
    terminal[state] = static_cast<uint32_t>(p.size());
  }
  const size_t states = terminal.size();
  std::vector<int32_t> next(states * classes_, 0);
  longest_.assign(states, 0);
  std::vector<int32_t> fail(states, 0);
  std::deque<int32_t> queue;
  for (size_t c = 0; c < classes_; ++c) {
    int32_t child = edges[c];
    if (c == 0 || child < 0) continue;  // class 0 never starts a pattern
    next[c] = child;
    fail[child] = 0;
    queue.push_back(child);
  }
  longest_[0] = 0;
  while (!queue.empty()) {
    int32_t state = queue.front();
    queue.pop_front();
    longest_[state] = std::max(terminal[state], longest_[fail[state]]);
    for (size_t c = 0; c < classes_; ++c) {
      size_t slot = static_cast<size_t>(state) * classes_ + c;
      int32_t child = c == 0 ? -1 : edges[slot];
      int32_t via_fail = next[static_cast<size_t>(fail[state]) * classes_ + c];
      if (child < 0) {
        next[slot] = via_fail;
      } else {
        next[slot] = child;
        fail[child] = via_fail;
        queue.push_back(child);
      }
    }
  }
  next_.resize(next.size());
  for (size_t slot = 0; slot < next.size(); ++slot) {
    uint32_t target = static_cast<uint32_t>(next[slot]);
    next_[slot] = target * classes_ | (longest_[target] > 0 ? kEndsPattern : 0) |
                  (slot % classes_ >= 1 && slot % classes_ <= 3 ? kSpecial : 0);
  }
}

std::string MaskPatterns::Mask(std::string_view text) const {
  if (empty()) return std::string(text);
  std::string out;
  StreamMasker stream(this);
  stream.Feed(text, &out);
  stream.Finish(&out);
  return out;
}

void StreamMasker::Add(Interval match) {
  while (!pending_.empty() && pending_.back().end >= match.begin) {
    match.begin = std::min(match.begin, pending_.back().begin);
    pending_.pop_back();
  }
  pending_.push_back(match);
}

void StreamMasker::Feed(std::string_view data, std::string* out) {
  const MaskPatterns& p = *patterns_;
  if (p.empty()) {
    out->append(data.data(), data.size());
    return;
  }
  std::string joined;
  TakeBackUnscanned(&joined, &data);
  Scan(data, /*final=*/false);
  // A match still to come starts no earlier than the prefix the automaton
  // is in; a pending region that reaches that point may still grow.
  const uint64_t scanned = pos_ - unscanned_.size();
  uint64_t safe = StartOf(scanned, p.depth_[offset_ / p.classes_]);
  size_t drop = 0;
  while (drop < gaps_.size() && gaps_[drop].pos < safe) ++drop;
  gaps_.erase(gaps_.begin(), gaps_.begin() + static_cast<long>(drop));
  for (const Interval& interval : pending_) {
    if (interval.end >= safe) {
      safe = std::min(safe, interval.begin);
      break;
    }
  }
  Release(safe, data, out);
}

void StreamMasker::TakeBackUnscanned(std::string* joined, std::string_view* data) {
  if (unscanned_.empty()) return;
  // The bytes are the end of held_ (nothing past the last scanned byte is
  // released): scan them again, followed by `data`.
  held_.resize(held_.size() - unscanned_.size());
  pos_ -= unscanned_.size();
  *joined = unscanned_;
  joined->append(data->data(), data->size());
  unscanned_.clear();
  *data = *joined;
}

void StreamMasker::Scan(std::string_view buf, bool final) {
  const MaskPatterns& p = *patterns_;
  const uint32_t* next = p.next_.data();
  const uint8_t* class_of = p.class_of_;
  const unsigned char* bytes = reinterpret_cast<const unsigned char*>(buf.data());
  const size_t n = buf.size();
  const uint64_t base = pos_;
  uint32_t offset = offset_;
  size_t i = 0;
  for (; i < n; ++i) {
    uint32_t entry = next[offset + class_of[bytes[i]]];
    if ((entry & MaskPatterns::kFlags) == 0) {
      offset = entry;
      continue;
    }
    if (entry & MaskPatterns::kSpecial) {
      size_t used = 0;
      if (!Special(buf, i, offset, entry, final, &entry, &used)) break;
      i += used;
    }
    offset = entry & ~MaskPatterns::kFlags;
    if (entry & MaskPatterns::kEndsPattern) {
      uint64_t end = base + i + 1;
      Add(Interval{StartOf(end, p.longest_[offset / p.classes_]), end});
    }
  }
  offset_ = offset;
  pos_ = base + n;
  unscanned_.assign(buf.substr(i));
  // Keep the last scanned bytes: a line break early in the next piece is
  // judged by what came before it.
  constexpr size_t kKeep = kWrapRun + 16;
  if (i >= kKeep) {
    tail_.assign(buf.substr(i - kKeep, kKeep));
  } else {
    tail_.append(buf.data(), i);
    if (tail_.size() > kKeep) tail_.erase(0, tail_.size() - kKeep);
  }
}

bool StreamMasker::Special(std::string_view buf, size_t i, uint32_t offset, uint32_t entry,
                           bool final, uint32_t* result, size_t* used) {
  const MaskPatterns& p = *patterns_;
  const uint64_t at = pos_ + i;
  const unsigned char c = static_cast<unsigned char>(buf[i]);
  *used = 0;
  *result = entry & ~MaskPatterns::kSpecial;
  if (c == '%') {
    if (i + 1 >= buf.size() && !final) return false;
    int hi = i + 1 < buf.size() ? HexValue(static_cast<unsigned char>(buf[i + 1])) : -1;
    if (hi < 0) return true;  // a plain '%'
    if (i + 2 >= buf.size() && !final) return false;
    int lo = i + 2 < buf.size() ? HexValue(static_cast<unsigned char>(buf[i + 2])) : -1;
    if (lo < 0) return true;
    unsigned char decoded = static_cast<unsigned char>(hi * 16 + lo);
    *result = p.next_[offset + p.class_of_[decoded]] & ~MaskPatterns::kSpecial;
    *used = 2;
    gaps_.push_back(Gap{at + 2, 2});
    return true;
  }
  if (IsWrapBreak(buf, i)) {
    if (c == '\r') wrap_cr_ = at;
    *result = offset;
    gaps_.push_back(Gap{at, 1});
  }
  return true;
}

// Judges the line break buf[i] by up to kWrapRun + 16 bytes before it.
bool StreamMasker::IsWrapBreak(std::string_view buf, size_t i) {
  const uint64_t at = pos_ + i;
  if (buf[i] == '\n' && at > 0 && wrap_cr_ == at - 1) return true;  // "\r\n"
  constexpr size_t kLook = kWrapRun + 16;
  std::string joined;
  std::string_view window;
  if (i >= kLook) {
    window = buf.substr(i - kLook, kLook);
  } else {
    joined = tail_;
    joined.append(buf.data(), i);
    window = joined;
    if (window.size() > kLook) window.remove_prefix(window.size() - kLook);
  }
  const bool from_start = at == window.size();  // the window holds all since the stream began
  size_t k = window.size();
  size_t run = 0;
  while (k > 0 && IsBase64Char(static_cast<unsigned char>(window[k - 1]))) {
    --k;
    ++run;
  }
  if (run >= kWrapRun) return true;
  if (run < kWrapLine) return false;
  while (k > 0 && (window[k - 1] == ' ' || window[k - 1] == '\t')) --k;
  if (k == 0) return from_start;
  return window[k - 1] == '\n' || window[k - 1] == '\r';
}

uint64_t StreamMasker::StartOf(uint64_t end, uint64_t length) const {
  uint64_t begin = end - length;
  for (size_t g = gaps_.size(); g-- > 0;) {
    if (gaps_[g].pos >= end) continue;
    if (gaps_[g].pos < begin) break;
    begin -= gaps_[g].extra;
  }
  return begin;
}

void StreamMasker::Finish(std::string* out) {
  if (!patterns_->empty()) {
    std::string joined;
    std::string_view data;
    TakeBackUnscanned(&joined, &data);
    Scan(data, /*final=*/true);
    Release(pos_, data, out);
  } else {
    Release(pos_, std::string_view(), out);
  }
  offset_ = 0;
  gaps_.clear();
  tail_.clear();
  wrap_cr_ = UINT64_MAX;
}

// "***" for the region [from, to), keeping the line breaks it spans.
void StreamMasker::AppendMask(uint64_t from, uint64_t to, std::string_view data,
                              std::string* out) const {
  std::string region;
  AppendRange(from, to, data, &region);
  out->append(kMask);
  bool after_break = false;
  for (char c : region) {
    if (c == '\n' || c == '\r') {
      *out += c;
      after_break = true;
    } else if (after_break) {
      out->append(kMask);
      after_break = false;
    }
  }
}

void StreamMasker::AppendRange(uint64_t from, uint64_t to, std::string_view data,
                               std::string* out) const {
  const uint64_t data_start = held_start_ + held_.size();
  if (from < data_start) {
    uint64_t end = std::min(to, data_start);
    out->append(held_, from - held_start_, end - from);
    from = end;
  }
  if (from < to) out->append(data.data() + (from - data_start), to - from);
}

// No pending region straddles `upto`.
void StreamMasker::Release(uint64_t upto, std::string_view data, std::string* out) {
  if (upto > held_start_) {
    uint64_t at = held_start_;
    size_t done = 0;
    for (; done < pending_.size() && pending_[done].end <= upto; ++done) {
      const Interval& interval = pending_[done];
      AppendRange(at, interval.begin, data, out);
      AppendMask(interval.begin, interval.end, data, out);
      at = interval.end;
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(done));
    AppendRange(at, upto, data, out);
  } else {
    upto = held_start_;
  }
  // Keep [upto, pos_) for later.
  std::string rest;
  AppendRange(upto, pos_, data, &rest);
  held_ = std::move(rest);
  held_start_ = upto;
}

}  // namespace tame
