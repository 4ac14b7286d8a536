// Does a release's analysis keep its schedule? Takes 20 measurements at a
// 1 s interval with the runner's analysis loop while each reading takes
// 100-300 ms (a slow Prometheus), and reports how far each measurement's
// interval strays from the one asked for. The reference, measured in the
// same run, is the naive loop that sleeps the interval after each reading:
// its error grows by the reading's time at every measurement.
//
//   analysis_drift_bench [count] [interval_ms]
// Target: every measured interval within 50 ms of the asked one.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "runner/steps/k8s_analysis.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Figures {
  double worst_interval_error_ms = 0;
  double mean_interval_error_ms = 0;
  double end_drift_ms = 0;  // how late the last measurement was
};

Figures Summarise(const std::vector<Clock::time_point>& at, int interval_ms) {
  Figures f;
  double sum = 0;
  for (size_t i = 1; i < at.size(); ++i) {
    double gap = std::chrono::duration<double, std::milli>(at[i] - at[i - 1]).count();
    double error = std::fabs(gap - interval_ms);
    f.worst_interval_error_ms = std::max(f.worst_interval_error_ms, error);
    sum += error;
  }
  if (at.size() > 1) f.mean_interval_error_ms = sum / (at.size() - 1);
  double span = std::chrono::duration<double, std::milli>(at.back() - at.front()).count();
  f.end_drift_ms = span - static_cast<double>(interval_ms) * (at.size() - 1);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  int count = argc > 1 ? std::atoi(argv[1]) : 20;
  int interval_ms = argc > 2 ? std::atoi(argv[2]) : 1000;
  if (count < 2 || interval_ms < 1) {
    std::fprintf(stderr, "usage: analysis_drift_bench [count >= 2] [interval_ms >= 1]\n");
    return 2;
  }
  std::mt19937 random(42);
  std::uniform_int_distribution<int> reading_ms(100, 300);
  std::mutex mutex;
  std::vector<Clock::time_point> at;
  auto slow_reading = [&](const tame::AnalysisMetric&) {
    int ms;
    {
      std::lock_guard<std::mutex> lock(mutex);
      at.push_back(Clock::now());
      ms = reading_ms(random);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    tame::Reading r;
    r.kind = tame::Reading::Kind::kValue;
    r.value = 1;
    return r;
  };

  tame::Analysis analysis;
  analysis.interval_ms = interval_ms;
  analysis.count = count;
  analysis.metrics.push_back({"rate", "up", "", "", ">=", 0.5});
  std::ostringstream log;
  {
    tame::AnalysisRun run(analysis, slow_reading, log);
    run.Start();
    run.Wait();
  }
  Figures tame_figures = Summarise(at, interval_ms);

  at.clear();
  for (int i = 0; i < count; ++i) {
    slow_reading(analysis.metrics[0]);
    std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
  }
  Figures naive = Summarise(at, interval_ms);

  std::printf("analysis drift: %d measurements at %d ms, readings taking 100-300 ms\n", count,
              interval_ms);
  std::printf(
      "  tame:      worst interval error %.1f ms, mean %.1f ms, last measurement %+.1f ms\n",
      tame_figures.worst_interval_error_ms, tame_figures.mean_interval_error_ms,
      tame_figures.end_drift_ms);
  std::printf(
      "  reference: worst interval error %.1f ms, mean %.1f ms, last measurement %+.1f ms"
      " (sleep after each reading)\n",
      naive.worst_interval_error_ms, naive.mean_interval_error_ms, naive.end_drift_ms);
  std::printf(
      "  ratio of end drift, tame/reference: %.3f; target: worst interval error <= 50 ms: %s\n",
      std::fabs(tame_figures.end_drift_ms) / std::max(1.0, std::fabs(naive.end_drift_ms)),
      tame_figures.worst_interval_error_ms <= 50 ? "met" : "MISSED");
  return 0;
}
