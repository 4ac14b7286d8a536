// A small client of the Kubernetes API over libcurl: one connection, TLS
// verified against the kubeconfig's CA, the kubeconfig's credential, JSON
// answers, and failures put into words a user can act on.
#ifndef TAME_RUNNER_STEPS_K8S_CLIENT_H_
#define TAME_RUNNER_STEPS_K8S_CLIENT_H_

#include <string>

#include "core/pipeline.h"
#include "runner/steps/kubeconfig.h"

namespace tame {

/// One answer of the API server.
struct K8sResponse {
  long status = 0;    // the HTTP status; 0 when no answer came
  int transport = 0;  // curl's error code when status is 0
  std::string transport_error;
  std::string transport_detail;  // libcurl's error buffer, more precise
  /// Set when no request was sent because the exec plugin gave no
  /// credential: what went wrong, in words.
  std::string credential_error;
  std::string body;
  Json json;  // the body parsed, discarded when not JSON

  bool ok() const { return status >= 200 && status < 300; }
  /// The API's own explanation: a Status object's `message`, else the
  /// body's first line.
  std::string Message() const;
};

class K8sClient {
 public:
  explicit K8sClient(KubeConfig config);
  ~K8sClient();
  K8sClient(const K8sClient&) = delete;
  K8sClient& operator=(const K8sClient&) = delete;

  /// Sends `method` to `path` (which starts with "/" and may carry a query)
  /// with `body` of `content_type` when it is not empty. A request that gets
  /// no answer within `timeout_ms` comes back with status 0.
  K8sResponse Send(const std::string& method, const std::string& path,
                   const std::string& content_type = "", const std::string& body = "",
                   long timeout_ms = 30000);

  /// The sentence a user reads when `response` is a failure of `action`
  /// (such as `apply Deployment "iris"`): unreachable, untrusted
  /// certificate, refused credential (named), forbidden, missing
  /// namespace, conflict or invalid object with the API's message.
  std::string Explain(const K8sResponse& response, const std::string& action) const;

  /// True when retrying `response` may help (no answer, 409, 429, 5xx).
  static bool Transient(const K8sResponse& response);

  const KubeConfig& config() const { return config_; }

  /// How often the exec plugin ran (for the log and tests).
  int exec_runs() const { return exec_runs_; }

 private:
  K8sResponse SendOnce(const std::string& method, const std::string& path,
                       const std::string& content_type, const std::string& body, long timeout_ms);
  // Runs the exec plugin when there is no credential or it has expired.
  bool EnsureCredential(bool force, std::string* error);

  KubeConfig config_;
  ExecCredential credential_;
  bool have_credential_ = false;
  int exec_runs_ = 0;
  void* curl_ = nullptr;  // CURL*, kept so the connection is reused
};

}  // namespace tame

#endif  // TAME_RUNNER_STEPS_K8S_CLIENT_H_
