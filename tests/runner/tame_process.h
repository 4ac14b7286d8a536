// Helpers for the runner's integration tests: a private temporary
// workspace, and the real `tame` binary started in it as a process.
#ifndef TAME_TESTS_RUNNER_TAME_PROCESS_H_
#define TAME_TESTS_RUNNER_TAME_PROCESS_H_

#include <gtest/gtest.h>
#include <sys/types.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tame {
namespace testing {

struct TameResult {
  int code = -1;  // exit status; 128 + N when killed by signal N
  std::string out;
  std::string err;
};

/// A test with its own workspace folder (also its HOME), removed at the end.
class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  /// Writes `text` to `relative` in the workspace, making folders.
  void Write(const std::string& relative, const std::string& text);
  /// The contents of `relative` ("" when missing).
  std::string Read(const std::string& relative) const;
  bool Exists(const std::string& relative) const;
  std::string Path(const std::string& relative) const { return dir_ + "/" + relative; }

  /// Runs tame with `args` in the workspace and waits (at most `timeout_s`).
  TameResult Tame(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env = {}, int timeout_s = 30);
  /// Starts tame without waiting; Finish() collects it.
  pid_t Start(const std::vector<std::string>& args,
              const std::map<std::string, std::string>& env = {});
  TameResult Finish(pid_t pid, int timeout_s = 30);

  /// Waits until `relative` exists, up to `timeout_ms`.
  bool WaitFor(const std::string& relative, int timeout_ms = 10000) const;

  /// The only run folder (relative), its report and its journal lines.
  std::string RunDir() const;
  std::vector<std::string> RunDirs() const;
  nlohmann::json Report(const std::string& run_dir = "") const;
  std::vector<nlohmann::json> Journal(const std::string& run_dir = "") const;
  /// The report's entry for step `id`.
  nlohmann::json StepReport(const std::string& id, const std::string& run_dir = "") const;

  /// Every file under the workspace's .tame, concatenated, with the run's
  /// console output: where a secret must not be.
  std::string EverythingWritten(const TameResult& result) const;

  std::string dir_;
  int serial_ = 0;
};

/// A pipeline file with the given steps (a JSON array body) and extra
/// top-level members (`extra`, e.g. "\"params\": {...},").
std::string Pipeline(const std::string& steps, const std::string& extra = "");

/// True when process `pid` is gone (or a zombie).
bool ProcessGone(pid_t pid);

}  // namespace testing
}  // namespace tame

#endif  // TAME_TESTS_RUNNER_TAME_PROCESS_H_
