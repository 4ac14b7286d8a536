#include "runner/run/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "runner/files.h"
#include "runner/run/util.h"

namespace tame {

JournalWriter::~JournalWriter() {
  Flush();
  if (fd_ >= 0) close(fd_);
}

bool JournalWriter::Open(const std::string& path, const MaskPatterns* mask, std::string* error) {
  mask_ = mask;
  fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    *error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

void JournalWriter::Append(Json event) {
  if (fd_ < 0) return;
  event["time"] = IsoTimeNow();
  if (mask_->empty()) {
    pending_ += event.dump(-1, ' ', false, Json::error_handler_t::replace);
  } else {
    // Strings first, then the line: escaping may make a form of its own.
    pending_ +=
        mask_->Mask(MaskJson(event, *mask_).dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  pending_ += '\n';
}

void JournalWriter::Append(EventText event) {
  if (fd_ < 0) return;
  event.String("time", IsoTimeNow());
  if (mask_->empty()) {
    event.AppendLine(&pending_);
  } else {
    std::string line;
    event.AppendLine(&line);
    pending_ += mask_->Mask(line);
  }
  pending_ += '\n';
}

std::string EventText::Quote(const std::string& text) const {
  return QuoteJson(mask_->empty() ? text : mask_->Mask(text));
}

void EventText::Set(const std::string& key, std::string json) {
  for (auto& member : members_) {
    if (member.first == key) {
      member.second = std::move(json);
      return;
    }
  }
  members_.emplace_back(key, std::move(json));
}

void EventText::String(const std::string& key, const std::string& value) { Set(key, Quote(value)); }

void EventText::Int(const std::string& key, int64_t value) { Set(key, std::to_string(value)); }

void EventText::Bool(const std::string& key, bool value) { Set(key, value ? "true" : "false"); }

void EventText::Strings(const std::string& key, const std::map<std::string, std::string>& values) {
  std::string text = "{";
  auto add = [&text](const std::string& name, const std::string& value) {
    if (text.size() > 1) text += ',';
    text += QuoteJson(name);
    text += ':';
    text += QuoteJson(value);
  };
  if (mask_->empty()) {
    for (const auto& [name, value] : values) add(name, value);
  } else {
    // A masked name sorts as its masked form, as in a masked JSON tree.
    std::map<std::string, std::string> masked;
    for (const auto& [name, value] : values) masked[mask_->Mask(name)] = mask_->Mask(value);
    for (const auto& [name, value] : masked) add(name, value);
  }
  Set(key, text + '}');
}

void EventText::List(const std::string& key, const std::vector<std::string>& values) {
  std::string text = "[";
  for (const std::string& value : values) {
    if (text.size() > 1) text += ',';
    text += Quote(value);
  }
  Set(key, text + ']');
}

void EventText::Value(const std::string& key, const Json& value) {
  Set(key, (mask_->empty() ? value : MaskJson(value, *mask_))
               .dump(-1, ' ', false, Json::error_handler_t::replace));
}

// The members in the order of their keys, as a JSON tree keeps them; with
// a mask, of their masked keys (of two alike, the later in that order).
void EventText::AppendLine(std::string* out) const {
  auto by_key = [](const auto& a, const auto& b) { return a.first < b.first; };
  if (mask_->empty() && std::is_sorted(members_.begin(), members_.end(), by_key)) {
    *out += '{';
    for (const auto& [key, value] : members_) {
      if (out->back() != '{') *out += ',';
      *out += QuoteJson(key);
      *out += ':';
      *out += value;
    }
    *out += '}';
    return;
  }
  struct Member {
    std::string masked_key;
    const std::string* key;
    const std::string* value;
  };
  std::vector<Member> sorted;
  sorted.reserve(members_.size());
  for (const auto& [key, value] : members_) {
    sorted.push_back({mask_->empty() ? key : mask_->Mask(key), &key, &value});
  }
  std::sort(sorted.begin(), sorted.end(), [](const Member& a, const Member& b) {
    return a.masked_key != b.masked_key ? a.masked_key < b.masked_key : *a.key < *b.key;
  });
  *out += '{';
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i + 1 < sorted.size() && sorted[i + 1].masked_key == sorted[i].masked_key) continue;
    if (out->back() != '{') *out += ',';
    *out += QuoteJson(sorted[i].masked_key);
    *out += ':';
    *out += *sorted[i].value;
  }
  *out += '}';
}

void JournalWriter::Flush() {
  size_t done = 0;
  while (fd_ >= 0 && done < pending_.size()) {
    ssize_t n = write(fd_, pending_.data() + done, pending_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // a full disk must not stop the run; the report says what happened
    done += static_cast<size_t>(n);
  }
  pending_.clear();
}

bool ReadJournal(const std::string& path, JournalContents* out, std::string* error) {
  std::string text;
  std::string read_error;
  if (!ReadFile(path, size_t{1} << 30, &text, &read_error)) {
    *error = "journal.jsonl: " + read_error;
    return false;
  }
  return ParseJournal(text, out, error);
}

bool ParseJournal(const std::string& text, JournalContents* out, std::string* error) {
  *out = JournalContents();
  size_t start = 0;
  int line_no = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    bool last_unfinished = nl == std::string::npos;
    if (last_unfinished) nl = text.size();
    ++line_no;
    std::string line = text.substr(start, nl - start);
    Json event = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    bool ok = !event.is_discarded() && event.is_object() && event.contains("event") &&
              event["event"].is_string();
    if (!ok) {
      if (last_unfinished) {
        out->warning = "journal.jsonl: line " + std::to_string(line_no) +
                       " is incomplete (tame was stopped while writing it); it is ignored";
        break;
      }
      *error = "journal.jsonl: line " + std::to_string(line_no) +
               (event.is_discarded() ? ": not valid JSON" : ": not a journal event");
      return false;
    }
    if (last_unfinished) {
      // A whole event without its newline: keep it, and finish the line.
      out->events.push_back(std::move(event));
      out->valid_bytes = static_cast<off_t>(text.size());
      break;
    }
    out->events.push_back(std::move(event));
    start = nl + 1;
    out->valid_bytes = static_cast<off_t>(start);
  }
  if (out->events.empty()) {
    *error = "journal.jsonl: the journal is empty";
    return false;
  }
  if (out->events[0]["event"] != "run_started") {
    *error = "journal.jsonl: line 1: the journal does not start with run_started";
    return false;
  }
  return true;
}

}  // namespace tame
