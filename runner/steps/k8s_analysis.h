// A release's live analysis, measured while a canary or a new blue-green
// version serves: `count` measurements of every metric, one every
// `interval`, judged by core (core/analysis.h). The loop runs on its own
// thread so the release can pause, scale and watch the rollout meanwhile.
#ifndef TAME_RUNNER_STEPS_K8S_ANALYSIS_H_
#define TAME_RUNNER_STEPS_K8S_ANALYSIS_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "core/analysis.h"

namespace tame {

/// Takes one reading of a metric.
using MetricFetch = std::function<Reading(const AnalysisMetric& metric)>;

/// Reads `metric` over HTTP: a Prometheus instant query at
/// `prometheus`/api/v1/query (with `token` as a bearer token when given), or
/// the JSON document at `metric.url`. An unreachable endpoint or an error
/// status is a Reading::kError whose note says which.
Reading FetchMetric(const std::string& prometheus, const std::string& token,
                    const AnalysisMetric& metric);

/// The analysis in the background. Start() takes the first measurement at
/// once and the others on a schedule that does not drift; every measurement
/// is written to `log` as it is taken.
class AnalysisRun {
 public:
  AnalysisRun(Analysis analysis, MetricFetch fetch, std::ostream& log);
  ~AnalysisRun();  // stops the loop and joins it

  void Start();

  /// Waits until the analysis has passed or aborted, or `stop` was called.
  AnalysisOutcome Wait();

  /// True once the analysis has aborted (without waiting for the rest).
  bool Aborted();

  /// True once the analysis has passed or aborted (without waiting).
  bool Done();

  /// Ends the loop early; Wait() then returns what was decided so far.
  void Stop();

  /// Every measurement taken so far, in the order taken.
  std::vector<Measurement> Measurements();

 private:
  void Loop();

  Analysis analysis_;
  MetricFetch fetch_;
  std::ostream& log_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Measurement> measurements_;
  AnalysisOutcome outcome_;
  bool done_ = false;
  bool stop_ = false;
};

}  // namespace tame

#endif  // TAME_RUNNER_STEPS_K8S_ANALYSIS_H_
