#include "runner/run/console.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "runner/run/util.h"

namespace tame {
namespace {

constexpr int64_t kBoardIntervalMs = 100;
constexpr size_t kMaxBoardSteps = 8;

const char kReset[] = "\x1b[0m";
const char kBold[] = "\x1b[1m";
const char kDim[] = "\x1b[2m";
const char kRed[] = "\x1b[31m";
const char kGreen[] = "\x1b[32m";
const char kYellow[] = "\x1b[33m";
const char kCyan[] = "\x1b[36m";

bool EnvIsSet(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && v[0] != '\0';
}

bool Utf8Locale() {
  for (const char* name : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    const char* v = std::getenv(name);
    if (v == nullptr || v[0] == '\0') continue;
    std::string s = v;
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s.find("utf-8") != std::string::npos || s.find("utf8") != std::string::npos;
  }
  return false;
}

int TerminalColumns(int fd) {
  struct winsize ws;
  if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

// Cuts `text` to `width` columns, counting UTF-8 sequences as one column.
std::string Fit(const std::string& text, size_t width) {
  size_t columns = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (++columns > width) return text.substr(0, i);
  }
  return text;
}

}  // namespace

ConsoleMode ChooseConsoleMode(const std::string& log_format, int fd) {
  if (log_format == "json") return ConsoleMode::kJson;
  const char* term = std::getenv("TERM");
  bool dumb = term != nullptr && std::string(term) == "dumb";
  return isatty(fd) && !dumb ? ConsoleMode::kBoard : ConsoleMode::kPlain;
}

bool ColorAllowed(int fd) {
  const char* term = std::getenv("TERM");
  bool dumb = term != nullptr && std::string(term) == "dumb";
  return isatty(fd) && !EnvIsSet("NO_COLOR") && !dumb;
}

Console::Console(const Pipeline& pipeline, ConsoleMode mode, bool color, int fd)
    : pipeline_(pipeline),
      mode_(mode),
      color_(color && mode != ConsoleMode::kJson),
      utf8_(Utf8Locale()),
      fd_(fd),
      started_at_(pipeline.steps.size(), -1) {
  for (const Step& step : pipeline.steps) id_width_ = std::max(id_width_, step.id.size());
  id_width_ = std::min<size_t>(id_width_, 24);
}

std::string Console::Paint(const char* color, const std::string& text) const {
  return color_ ? color + text + kReset : text;
}

std::string Console::Id(int step) const { return pipeline_.steps[step].id; }

void Console::Line(const std::string& text) {
  if (mode_ == ConsoleMode::kPlain) {
    out_ += Paint(kDim, ClockTimeNow()) + " " + text + "\n";
  } else {
    out_ += text + "\n";
    board_dirty_ = true;
  }
}

void Console::Event(Json event) {
  event["time"] = IsoTimeNow();
  out_ += event.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

void Console::RunStarted(const std::string& run_id, const std::string& run_dir, int jobs,
                         bool resumed) {
  run_started_ms_ = SteadyNowMs();
  if (mode_ == ConsoleMode::kJson) {
    Event({{"event", resumed ? "run_resumed" : "run_started"},
           {"run", run_id},
           {"pipeline", pipeline_.name},
           {"steps", pipeline_.steps.size()},
           {"jobs", jobs},
           {"run_dir", run_dir}});
    return;
  }
  Line(Paint(kBold, pipeline_.name) + ": " + (resumed ? "resuming run " : "run ") + run_id + ", " +
       std::to_string(pipeline_.steps.size()) + " steps, -j " + std::to_string(jobs) +
       Paint(kDim, "  (" + run_dir + ")"));
}

void Console::StepStarted(int step, int attempt) {
  started_at_[step] = SteadyNowMs();
  running_.push_back(step);
  board_dirty_ = true;
  if (mode_ == ConsoleMode::kJson) {
    Event({{"event", "step_started"}, {"step", Id(step)}, {"attempt", attempt}});
  } else if (mode_ == ConsoleMode::kPlain) {
    Line(Paint(kCyan, Id(step)) + ": started" +
         (attempt > 1 ? " attempt " + std::to_string(attempt) : ""));
  }
}

void Console::Output(int step, const std::string& line) {
  if (mode_ == ConsoleMode::kJson) {
    Event({{"event", "output"}, {"step", Id(step)}, {"line", line}});
    return;
  }
  std::string id = Id(step);
  if (id.size() < id_width_) id.resize(id_width_, ' ');
  Line(Paint(kCyan, id) + (utf8_ ? " \xE2\x94\x82 " : " | ") + line);
}

void Console::AttemptFailed(int step, int attempt, const std::string& why, int64_t retry_in_ms,
                            int max_attempts) {
  if (mode_ == ConsoleMode::kJson) {
    Event({{"event", "attempt_failed"},
           {"step", Id(step)},
           {"attempt", attempt},
           {"error", why},
           {"retry_in_ms", retry_in_ms}});
    return;
  }
  std::string text =
      Paint(kCyan, Id(step)) + ": attempt " + std::to_string(attempt) + " failed (" + why + ")";
  if (retry_in_ms >= 0) {
    text += "; retrying in " + ShortDuration(retry_in_ms) + " (attempt " +
            std::to_string(attempt + 1) + " of " + std::to_string(max_attempts) + ")";
  }
  Line(mode_ == ConsoleMode::kBoard ? Paint(kYellow, utf8_ ? "\xE2\x86\xBB " : "~ ") + text : text);
}

void Console::StepEnded(int step, const std::string& status, int64_t duration_ms,
                        const std::string& note) {
  running_.erase(std::remove(running_.begin(), running_.end(), step), running_.end());
  started_at_[step] = -1;
  ++done_;
  if (status == "failed") ++failed_;
  board_dirty_ = true;
  if (mode_ == ConsoleMode::kJson) {
    Event({{"event", "step_ended"},
           {"step", Id(step)},
           {"status", status},
           {"duration_ms", duration_ms},
           {"note", note}});
    return;
  }
  bool ran = status == "succeeded" || status == "failed" || duration_ms > 0;
  std::string text = Paint(kCyan, Id(step)) + ": " + status;
  if (ran && note != "cached" && note != "restored" && note.rfind("reused from", 0) != 0) {
    text += " in " + ShortDuration(duration_ms);
  }
  if (!note.empty()) text += " (" + note + ")";
  if (mode_ == ConsoleMode::kPlain) {
    Line(text);
    return;
  }
  const char* color = status == "succeeded" ? kGreen : status == "failed" ? kRed : kDim;
  const char* mark = status == "succeeded" ? (utf8_ ? "\xE2\x9C\x93 " : "ok ")
                     : status == "failed"  ? (utf8_ ? "\xE2\x9C\x97 " : "x  ")
                                           : (utf8_ ? "\xE2\x97\x8B " : "-  ");
  Line(Paint(color, mark) + text);
}

void Console::Message(const std::string& text) {
  if (mode_ == ConsoleMode::kJson) {
    Event({{"event", "message"}, {"text", text}});
    return;
  }
  Line(Paint(kYellow, "tame: ") + text);
}

void Console::RunEnded(const std::string& status, int64_t duration_ms, const std::string& summary) {
  finished_ = true;
  if (mode_ == ConsoleMode::kJson) {
    Event({{"event", "run_ended"}, {"status", status}, {"duration_ms", duration_ms}});
    Flush();
    return;
  }
  const char* color = status == "succeeded" ? kGreen : status == "failed" ? kRed : kYellow;
  Line(Paint(kBold, pipeline_.name) + ": " + Paint(color, status) + " in " +
       ShortDuration(duration_ms) + " " + Paint(kDim, summary));
  Flush();
}

void Console::FailureTail(int step, const std::string& log_path,
                          const std::vector<std::string>& lines) {
  if (mode_ == ConsoleMode::kJson) return;
  finished_ = true;  // the board is gone for good
  Line(Paint(kRed, "last lines of " + Id(step) + "'s log") + Paint(kDim, " (" + log_path + ")") +
       ":");
  for (const std::string& line : lines) Line("  " + line);
  Flush();
}

void Console::EraseBoard() {
  if (board_lines_ == 0) return;
  out_.insert(0, "\r\x1b[" + std::to_string(board_lines_) + "A\x1b[J");
  board_lines_ = 0;
}

void Console::DrawBoard() {
  const size_t width = static_cast<size_t>(std::max(20, TerminalColumns(fd_) - 1));
  const int64_t now = SteadyNowMs();
  std::string board;
  int lines = 0;
  size_t shown = 0;
  for (int step : running_) {
    if (shown++ == kMaxBoardSteps) {
      board +=
          Paint(kDim, "  ... and " + std::to_string(running_.size() - kMaxBoardSteps) + " more") +
          "\n";
      ++lines;
      break;
    }
    std::string id = Id(step);
    if (id.size() < id_width_) id.resize(id_width_, ' ');
    std::string text = "  " + std::string(utf8_ ? "\xE2\x96\xB8 " : "> ") + id + "  " +
                       ShortDuration(now - started_at_[step]);
    board += Paint(kCyan, Fit(text, width)) + "\n";
    ++lines;
  }
  const size_t total = pipeline_.steps.size();
  const int bar_width = 24;
  int filled = total == 0 ? bar_width : static_cast<int>(done_ * bar_width / total);
  std::string bar;
  for (int i = 0; i < bar_width; ++i) {
    bar += i < filled ? (utf8_ ? "\xE2\x96\x88" : "#") : (utf8_ ? "\xE2\x96\x91" : "-");
  }
  std::string counts = " " + std::to_string(done_) + "/" + std::to_string(total) + " done  " +
                       std::to_string(failed_) + " failed  " + std::to_string(running_.size()) +
                       " running  " + ShortDuration(now - run_started_ms_);
  board +=
      "  " + Paint(failed_ > 0 ? kRed : kGreen, bar) + Fit(counts, width - bar_width - 2) + "\n";
  ++lines;
  out_ += board;
  board_lines_ = lines;
  last_draw_ms_ = now;
  board_dirty_ = false;
}

void Console::Flush() {
  if (mode_ == ConsoleMode::kBoard) {
    int64_t now = SteadyNowMs();
    bool due = now - last_draw_ms_ >= kBoardIntervalMs;
    if (finished_) {
      EraseBoard();
    } else if (board_dirty_ || due) {
      if (!due && out_.empty()) return;  // redraw at the next tick
      EraseBoard();
      DrawBoard();
    }
  }
  if (mask_ != nullptr && !mask_->empty() && !out_.empty()) out_ = mask_->Mask(out_);
  size_t done = 0;
  while (done < out_.size()) {
    ssize_t n = write(fd_, out_.data() + done, out_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the terminal went away: the run goes on
    done += static_cast<size_t>(n);
  }
  out_.clear();
}

int64_t Console::NextTickMs() const {
  if (mode_ != ConsoleMode::kBoard || finished_) return -1;
  return std::max<int64_t>(0, last_draw_ms_ + kBoardIntervalMs - SteadyNowMs());
}

}  // namespace tame
