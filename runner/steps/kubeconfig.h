// Where the Kubernetes API is and how to prove who we are to it, read the
// way kubectl reads it: a kubeconfig (the files in $KUBECONFIG, else
// ~/.kube/config) at its current context, or, when there is none, the
// service account of the pod tame runs in.
#ifndef TAME_RUNNER_STEPS_KUBECONFIG_H_
#define TAME_RUNNER_STEPS_KUBECONFIG_H_

#include <string>
#include <vector>

#include "runner/steps/exec_credential.h"

namespace tame {

/// One way to reach one API server. File paths are absolute; `*_pem` fields
/// hold PEM text (from a `-data` field or read from the named file).
struct KubeConfig {
  std::string server;     // https://host:port, without a trailing slash
  std::string ca_pem;     // empty: the system's CAs
  bool insecure = false;  // insecure-skip-tls-verify: true
  std::string token;
  std::string client_cert_pem;
  std::string client_key_pem;

  /// Where this came from, for messages: `kubeconfig /home/ci/.kube/config`
  /// or `in-cluster service account`.
  std::string source;
  std::string context;  // "" in-cluster
  std::string cluster;  // the kubeconfig cluster's name
  std::string user;     // the kubeconfig user's name
  /// The credential in words, for 401/403 messages:
  /// `the token from kubeconfig user "ci"`.
  std::string credential;
  /// The namespace the context names ("" when none); in-cluster, the pod's.
  std::string namespace_;
  /// The cluster's tls-server-name: the name its certificate is checked
  /// against, when it is not the server URL's host.
  std::string tls_server_name;
  /// The cluster's proxy-url (http, https or socks5); "" for the
  /// environment's proxies.
  std::string proxy_url;
  /// The user's exec plugin, run for the credential when `has_exec`.
  bool has_exec = false;
  ExecPlugin exec;
};

/// Reads the configuration the environment points at: the files listed in
/// $KUBECONFIG (merged as kubectl merges them: the first file to set a
/// value wins), else ~/.kube/config, else the in-cluster service account
/// when $KUBERNETES_SERVICE_HOST is set. $TAME_K8S_SERVICE_ACCOUNT_DIR
/// replaces /var/run/secrets/kubernetes.io/serviceaccount (for tests).
/// Returns false with `error` saying what is missing or malformed, naming
/// the file and the entry; never a credential's value.
bool LoadKubeConfig(KubeConfig* config, std::string* error);

/// As above, but `file` (when not empty) replaces $KUBECONFIG and
/// ~/.kube/config, and `context` (when not empty) the current context.
bool LoadKubeConfig(const std::string& file, const std::string& context, KubeConfig* config,
                    std::string* error);

/// Reads kubeconfig `files` (merged) at `context` (its current context when
/// empty). Returns false with `error` as above.
bool LoadKubeConfigFiles(const std::vector<std::string>& files, const std::string& context,
                         KubeConfig* config, std::string* error);

}  // namespace tame

#endif  // TAME_RUNNER_STEPS_KUBECONFIG_H_
