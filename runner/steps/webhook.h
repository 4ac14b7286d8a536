// Posting a JSON message to a webhook (Slack, Teams, Mattermost and most
// chat tools take {"text": ...}), with retries.
#ifndef TAME_RUNNER_STEPS_WEBHOOK_H_
#define TAME_RUNNER_STEPS_WEBHOOK_H_

#include <string>

#include "core/pipeline.h"

namespace tame {

struct WebhookOptions {
  int attempts = 3;
  long timeout_ms = 10000;     // per attempt
  long first_delay_ms = 1000;  // doubles after each failed attempt
};

/// POSTs `body` to `url` until an attempt gets a 2xx answer. Returns false
/// with `error` describing the last failure (never the URL itself, which
/// may hold a token).
bool PostJson(const std::string& url, const Json& body, const WebhookOptions& options,
              std::string* error);

/// The message tame sends: {"text", "pipeline", "run", "step"}.
Json WebhookMessage(const std::string& text, const std::string& step);

}  // namespace tame

#endif  // TAME_RUNNER_STEPS_WEBHOOK_H_
