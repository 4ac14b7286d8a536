#include "runner/steps/k8s_analysis.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "core/duration.h"
#include "core/gate.h"
#include "runner/url.h"

namespace tame {
namespace {

constexpr size_t kMaxBodyBytes = 4u << 20;
constexpr long kRequestTimeoutMs = 10000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

size_t Collect(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  size_t n = size * count;
  if (body->size() + n > kMaxBodyBytes) return 0;  // too large: the request fails
  body->append(data, n);
  return n;
}

// GETs `url`; returns the body of a 2xx answer, or an error reading.
bool Get(const std::string& url, const std::string& token, std::string* body, Reading* error,
         bool accept_400) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    error->note = "cannot start an HTTP client";
    return false;
  }
  curl_slist* headers = nullptr;
  std::string authorization = "Authorization: Bearer " + token;
  if (!token.empty()) headers = curl_slist_append(headers, authorization.c_str());
  headers = curl_slist_append(headers, "Accept: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, kRequestTimeoutMs);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "tame k8s.deploy analysis");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  if (code == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  curl_slist_free_all(headers);
  if (code != CURLE_OK) {
    error->note = std::string("no answer from ") + url + ": " + curl_easy_strerror(code);
    return false;
  }
  // Prometheus answers a query it cannot run with 400 or 422 and a JSON body
  // that says why; that body is read, not thrown away.
  bool readable =
      (status >= 200 && status < 300) || (accept_400 && (status == 400 || status == 422));
  if (!readable) {
    error->note = url + " answered " + std::to_string(status);
    return false;
  }
  return true;
}

}  // namespace

Reading FetchMetric(const std::string& prometheus, const std::string& token,
                    const AnalysisMetric& metric) {
  std::string body;
  Reading error;
  error.kind = Reading::Kind::kError;
  if (!metric.query.empty()) {
    std::string base = prometheus;
    while (!base.empty() && base.back() == '/') base.pop_back();
    std::string url = base + "/api/v1/query?query=" + PercentEncode(metric.query);
    if (!Get(url, token, &body, &error, true)) return error;
    return ReadPrometheusAnswer(body);
  }
  if (!Get(metric.url, "", &body, &error, false)) return error;
  return ReadJsonDocument(body, metric.json_path);
}

AnalysisRun::AnalysisRun(Analysis analysis, MetricFetch fetch, std::ostream& log)
    : analysis_(std::move(analysis)), fetch_(std::move(fetch)), log_(log) {}

AnalysisRun::~AnalysisRun() {
  Stop();
  if (thread_.joinable()) thread_.join();
}

void AnalysisRun::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void AnalysisRun::Loop() {
  const int64_t start = NowMs();
  for (int index = 0; index < analysis_.count; ++index) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      auto due = std::chrono::system_clock::time_point(
          std::chrono::milliseconds(MeasurementDueMs(analysis_, start, index)));
      changed_.wait_until(lock, due, [this] { return stop_; });
      if (stop_) break;
    }
    for (const AnalysisMetric& metric : analysis_.metrics) {
      Reading reading = fetch_(metric);
      Measurement m = Judge(metric, reading, index, NowMs());
      std::lock_guard<std::mutex> lock(mutex_);
      // One write per line, so that lines of other threads never cut into it.
      log_ << ("analysis " + std::to_string(index + 1) + "/" + std::to_string(analysis_.count) +
               ": " + m.metric + " = " +
               (m.value ? FormatNumber(*m.value) : std::string("no value")) + ", " +
               VerdictName(m.verdict) + (m.note.empty() ? "" : " (" + m.note + ")") + "\n")
           << std::flush;
      measurements_.push_back(std::move(m));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    outcome_ = Decide(analysis_, measurements_);
    if (outcome_.state != AnalysisOutcome::State::kRunning) break;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  done_ = true;
  changed_.notify_all();
}

AnalysisOutcome AnalysisRun::Wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return done_ || stop_; });
  return outcome_;
}

bool AnalysisRun::Aborted() {
  std::lock_guard<std::mutex> lock(mutex_);
  return outcome_.state == AnalysisOutcome::State::kAborted;
}

bool AnalysisRun::Done() {
  std::lock_guard<std::mutex> lock(mutex_);
  return done_;
}

void AnalysisRun::Stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  stop_ = true;
  changed_.notify_all();
}

std::vector<Measurement> AnalysisRun::Measurements() {
  std::lock_guard<std::mutex> lock(mutex_);
  return measurements_;
}

}  // namespace tame
