// kubeconfig `user.exec` credential plugins, run the way client-go runs them
// (client.authentication.k8s.io v1 and v1beta1): the command with its args
// and env, never interactive, KUBERNETES_EXEC_INFO on request, and an
// ExecCredential read from its stdout. The credential stays in memory.
#ifndef TAME_RUNNER_STEPS_EXEC_CREDENTIAL_H_
#define TAME_RUNNER_STEPS_EXEC_CREDENTIAL_H_

#include <ctime>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace tame {

/// A kubeconfig user's `exec` section, as read.
struct ExecPlugin {
  std::string command;  // as written in the kubeconfig
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string api_version;  // client.authentication.k8s.io/v1 or /v1beta1
  std::string install_hint;
  bool provide_cluster_info = false;
  /// spec.cluster of KUBERNETES_EXEC_INFO as JSON text (server, CA data,
  /// tls-server-name, insecure-skip-tls-verify, proxy-url, config).
  std::string cluster_json;
  std::string kubeconfig_dir;  // a relative command with a slash resolves here
  std::string user;            // the kubeconfig user, for messages
};

/// What a plugin gave: a token, or a client certificate and key.
struct ExecCredential {
  std::string token;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::time_t expires = 0;  // 0: no expirationTimestamp
};

/// Runs `plugin` and reads its ExecCredential. The plugin's stderr is
/// copied to `log`, each line prefixed and with the credential masked.
/// Returns false with `error` in words (a missing command quotes the
/// kubeconfig's installHint); never with the credential in it.
bool RunExecPlugin(const ExecPlugin& plugin, ExecCredential* credential, std::string* error,
                   std::ostream& log);

/// Reads an ExecCredential that a plugin of `api_version` printed. Returns
/// false with `error` naming what is wrong.
bool ParseExecCredential(const std::string& text, const std::string& api_version,
                         ExecCredential* credential, std::string* error);

/// Seconds since the epoch of an RFC 3339 time ("2026-01-02T03:04:05Z",
/// fractions and offsets allowed), or -1 when it is not one.
std::time_t ParseRfc3339(const std::string& text);

}  // namespace tame

#endif  // TAME_RUNNER_STEPS_EXEC_CREDENTIAL_H_
