// notify: POST a message to a webhook whose URL is a secret. A notification
// that cannot be delivered is a warning in the log, not a failed step.
#include <iostream>

#include "runner/steps/kinds.h"
#include "runner/steps/webhook.h"

namespace tame {

int RunNotify(const StepContext& context) {
  const std::string url = context.String("webhook");
  if (url.empty()) {
    std::cout << "notify: the webhook secret is empty\n";
    return kStepFailedFinal;
  }
  std::string error;
  if (PostJson(url, WebhookMessage(context.String("message"), context.step), WebhookOptions(),
               &error)) {
    std::cout << "notified\n";
    context.Output("delivered", "true");
  } else {
    std::cout << "warning: the notification was not delivered: " << error << "\n";
    context.Output("delivered", "false");
  }
  return kStepSucceeded;
}

}  // namespace tame
