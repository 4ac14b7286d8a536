// Smoke-testing an endpoint: GET it until it answers as expected, with
// retries and backoff. The http.check kind, and k8s.deploy's check after a
// rollout, both run this.
#ifndef TAME_RUNNER_STEPS_HTTP_CHECK_H_
#define TAME_RUNNER_STEPS_HTTP_CHECK_H_

#include <ostream>
#include <string>

namespace tame {

struct HttpCheckOptions {
  std::string url;
  long expect_status = 200;  // 0: any 2xx
  std::string contains;      // text the body must hold; "" for any
  int retries = 5;           // further tries after the first
  long interval_ms = 2000;   // before the first retry; doubles, up to 30s
  long request_timeout_ms = 10000;
};

struct HttpCheckResult {
  bool passed = false;
  long status = 0;  // the last status code received; 0 when none came
  int attempts = 0;
};

/// GETs `options.url` until an answer has the expected status and holds the
/// expected text, or the tries run out. Writes one line per failed try to
/// `log`, and on failure the first lines of the last answer's body.
HttpCheckResult RunHttpCheckLoop(const HttpCheckOptions& options, std::ostream& log);

}  // namespace tame

#endif  // TAME_RUNNER_STEPS_HTTP_CHECK_H_
