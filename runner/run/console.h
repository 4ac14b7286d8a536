// What people see while a pipeline runs, in one of three forms:
//
//   board  on a terminal: step output and events scroll above a live board
//          (running steps with their elapsed time, done and failed counts,
//          a progress bar), redrawn in place at most every 100 ms
//   plain  anywhere else: one timestamped line per event or output line
//   json   --log-format json: one JSON event per line, for other tools
//
// Colour only on a terminal, and never when NO_COLOR is set. Everything
// passed in is already masked, and what is written is masked once more on
// its way out (SetMask), so no caller can forget it.
#ifndef TAME_RUNNER_RUN_CONSOLE_H_
#define TAME_RUNNER_RUN_CONSOLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/masker.h"
#include "core/pipeline.h"

namespace tame {

enum class ConsoleMode { kBoard, kPlain, kJson };

/// The mode for `log_format` ("text" or "json") on file descriptor `fd`:
/// board when it is a terminal whose TERM is not "dumb".
ConsoleMode ChooseConsoleMode(const std::string& log_format, int fd);

/// True when colour may be used on `fd`: a terminal, NO_COLOR unset or
/// empty, TERM not "dumb".
bool ColorAllowed(int fd);

class Console {
 public:
  /// Writes to file descriptor `fd`.
  Console(const Pipeline& pipeline, ConsoleMode mode, bool color, int fd);

  ConsoleMode mode() const { return mode_; }

  /// Masks everything written from now on with `mask` (which must outlive
  /// the console).
  void SetMask(const MaskPatterns* mask) { mask_ = mask; }

  void RunStarted(const std::string& run_id, const std::string& run_dir, int jobs, bool resumed);
  void StepStarted(int step, int attempt);
  /// One line of a step's output, without its newline.
  void Output(int step, const std::string& line);
  /// An attempt failed; `retry_in_ms` >= 0 when another attempt follows.
  void AttemptFailed(int step, int attempt, const std::string& why, int64_t retry_in_ms,
                     int max_attempts);
  /// A step reached its final status ("succeeded", "failed", ...); `note`
  /// says more ("cached", "exit code 1").
  void StepEnded(int step, const std::string& status, int64_t duration_ms, const std::string& note);
  /// A notice or warning for the user.
  void Message(const std::string& text);
  /// The run is over: `status` is succeeded, failed or interrupted.
  void RunEnded(const std::string& status, int64_t duration_ms, const std::string& summary);
  /// The last lines of a failed step's log, after the run.
  void FailureTail(int step, const std::string& log_path, const std::vector<std::string>& lines);

  /// Redraws the board when it is due and writes out what is buffered.
  void Flush();
  /// How long until the board wants redrawing (elapsed times tick), or -1.
  int64_t NextTickMs() const;

 private:
  void Line(const std::string& text);  // one finished line (plain, board)
  void Event(Json event);              // one JSON line (json)
  void DrawBoard();
  void EraseBoard();
  std::string Paint(const char* color, const std::string& text) const;
  std::string Id(int step) const;

  const Pipeline& pipeline_;
  const ConsoleMode mode_;
  const bool color_;
  const bool utf8_;
  const int fd_;
  std::string out_;  // what is written at the next Flush()
  const MaskPatterns* mask_ = nullptr;
  // Board state.
  std::vector<int64_t> started_at_;  // steady ms of the running attempt; -1 when not running
  std::vector<int> running_;         // in start order
  int done_ = 0;
  int failed_ = 0;
  int64_t run_started_ms_ = 0;
  int board_lines_ = 0;  // lines of board on screen now
  int64_t last_draw_ms_ = 0;
  bool board_dirty_ = false;
  bool finished_ = false;
  size_t id_width_ = 0;
};

}  // namespace tame

#endif  // TAME_RUNNER_RUN_CONSOLE_H_
