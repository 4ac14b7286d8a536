// http.check: GET an endpoint until it answers with the expected status and
// text; the log shows each failed try and, at the end, how the last answer
// began.
#include "runner/steps/http_check.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>

#include "runner/steps/kinds.h"

namespace tame {
namespace {

constexpr size_t kMaxBodyBytes = 4u << 20;
constexpr long kMaxIntervalMs = 30000;
constexpr int kBodyLinesShown = 10;
constexpr size_t kLineCharsShown = 200;

struct Answer {
  long status = 0;
  std::string error;  // when no answer came
  std::string body;
  bool truncated = false;
  std::string location;
};

size_t Collect(char* data, size_t size, size_t count, void* user) {
  auto* answer = static_cast<Answer*>(user);
  size_t n = size * count;
  size_t room = kMaxBodyBytes - std::min(kMaxBodyBytes, answer->body.size());
  answer->body.append(data, std::min(n, room));
  if (n > room) answer->truncated = true;
  return n;  // keep reading, so the connection finishes cleanly
}

Answer Get(const HttpCheckOptions& options) {
  Answer answer;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    answer.error = "cannot start an HTTP client";
    return answer;
  }
  curl_easy_setopt(curl, CURLOPT_URL, options.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, options.request_timeout_ms);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "tame http.check");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  CURLcode code = curl_easy_perform(curl);
  if (code == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
    char* location = nullptr;
    if (curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &location) == CURLE_OK &&
        location != nullptr) {
      answer.location = location;
    }
  } else {
    answer.error = curl_easy_strerror(code);
  }
  curl_easy_cleanup(curl);
  return answer;
}

std::string Expected(const HttpCheckOptions& options) {
  return options.expect_status == 0 ? "a 2xx status" : std::to_string(options.expect_status);
}

// Why `answer` does not pass, or "" when it does.
std::string Fault(const HttpCheckOptions& options, const Answer& answer) {
  if (answer.status == 0) return "no answer: " + answer.error;
  bool status_ok = options.expect_status == 0 ? answer.status >= 200 && answer.status < 300
                                              : answer.status == options.expect_status;
  if (!status_ok) {
    return "answered " + std::to_string(answer.status) + ", expected " + Expected(options) +
           (answer.location.empty() ? "" : " (redirect to " + answer.location + ")");
  }
  if (!options.contains.empty() && answer.body.find(options.contains) == std::string::npos) {
    return "answered " + std::to_string(answer.status) + ", but the body does not contain \"" +
           options.contains + "\"" + (answer.truncated ? " in its first 4 MiB" : "");
  }
  return "";
}

void ShowBody(const Answer& answer, std::ostream& log) {
  if (answer.status == 0) return;
  if (answer.body.empty()) {
    log << "the last answer had an empty body\n";
    return;
  }
  log << "the last answer began:\n";
  size_t start = 0;
  for (int line = 0; line < kBodyLinesShown && start < answer.body.size(); ++line) {
    size_t end = answer.body.find('\n', start);
    if (end == std::string::npos) end = answer.body.size();
    std::string text = answer.body.substr(start, end - start);
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.size() > kLineCharsShown) text = text.substr(0, kLineCharsShown) + "...";
    log << "  | " << text << "\n";
    start = end + 1;
  }
  if (start < answer.body.size()) log << "  | ...\n";
}

}  // namespace

HttpCheckResult RunHttpCheckLoop(const HttpCheckOptions& options, std::ostream& log) {
  HttpCheckResult result;
  const int tries = options.retries + 1;
  long delay = std::max(0L, options.interval_ms);
  Answer answer;
  for (int attempt = 1; attempt <= tries; ++attempt) {
    answer = Get(options);
    result.attempts = attempt;
    result.status = answer.status;
    std::string fault = Fault(options, answer);
    if (fault.empty()) {
      log << "GET " << options.url << ": " << answer.status;
      if (attempt > 1) log << " (try " << attempt << " of " << tries << ")";
      log << "\n";
      result.passed = true;
      return result;
    }
    log << "GET " << options.url << ": " << fault << " (try " << attempt << " of " << tries << ")";
    if (attempt < tries) {
      log << "; trying again in "
          << (delay % 1000 == 0 ? std::to_string(delay / 1000) + "s"
                                : std::to_string(delay) + "ms");
    }
    log << "\n";
    if (attempt < tries) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay));
      delay = std::min(delay * 2, kMaxIntervalMs);
    }
  }
  ShowBody(answer, log);
  return result;
}

int RunHttpCheck(const StepContext& context) {
  HttpCheckOptions options;
  options.url = context.String("url");
  if (options.url.rfind("http://", 0) != 0 && options.url.rfind("https://", 0) != 0) {
    std::cout << "http.check: url must start with http:// or https://, not \"" << options.url
              << "\"\n";
    return kStepFailedFinal;
  }
  options.expect_status = static_cast<long>(context.Integer("expect_status", 200));
  options.contains = context.String("contains");
  options.retries = static_cast<int>(std::max<int64_t>(0, context.Integer("retries", 5)));
  options.interval_ms = static_cast<long>(context.DurationMs("interval", 2000));
  options.request_timeout_ms = static_cast<long>(context.DurationMs("request_timeout", 10000));
  curl_global_init(CURL_GLOBAL_DEFAULT);
  HttpCheckResult result = RunHttpCheckLoop(options, std::cout);
  context.Output("status", std::to_string(result.status));
  if (result.passed) {
    std::cout << "http.check passed\n";
    return kStepSucceeded;
  }
  std::cout << "http.check failed after " << result.attempts
            << (result.attempts == 1 ? " try" : " tries") << "\n";
  return kStepFailed;
}

}  // namespace tame
