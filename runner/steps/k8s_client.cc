#include "runner/steps/k8s_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <iostream>
#include <utility>

namespace tame {
namespace {

constexpr size_t kMaxAnswerBytes = 32u << 20;

size_t Collect(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  size_t n = size * count;
  if (body->size() + n > kMaxAnswerBytes) return 0;  // aborts the transfer
  body->append(data, n);
  return n;
}

std::string ReasonPhrase(long status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 409:
      return "Conflict";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

std::string StatusText(long status) {
  std::string phrase = ReasonPhrase(status);
  return std::to_string(status) + (phrase.empty() ? "" : " " + phrase);
}

// The host (without brackets) and port of an https://HOST:PORT server URL;
// the port is the scheme's default when the URL has none.
bool SplitServer(const std::string& server, std::string* host, std::string* port) {
  const size_t scheme = server.find("://");
  if (scheme == std::string::npos) return false;
  std::string rest = server.substr(scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  const bool https = server.compare(0, scheme, "https") == 0;
  size_t colon = rest.rfind(':');
  if (!rest.empty() && rest[0] == '[') {
    const size_t close = rest.find(']');
    *host = rest.substr(0, close + 1);
    *port = close + 1 < rest.size() && rest[close + 1] == ':' ? rest.substr(close + 2)
                                                              : (https ? "443" : "80");
    return true;
  }
  if (colon == std::string::npos) {
    *host = rest;
    *port = https ? "443" : "80";
  } else {
    *host = rest.substr(0, colon);
    *port = rest.substr(colon + 1);
  }
  return !host->empty();
}

}  // namespace

std::string K8sResponse::Message() const {
  if (json.is_object()) {
    auto message = json.find("message");
    if (message != json.end() && message->is_string() && !message->get<std::string>().empty()) {
      return message->get<std::string>();
    }
  }
  std::string line = body.substr(0, body.find('\n'));
  if (line.size() > 300) line = line.substr(0, 300) + "...";
  return line;
}

K8sClient::K8sClient(KubeConfig config) : config_(std::move(config)) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  curl_ = curl_easy_init();
}

K8sClient::~K8sClient() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

bool K8sClient::EnsureCredential(bool force, std::string* error) {
  if (!config_.has_exec) return true;
  // A credential is renewed a little before it expires, as client-go does.
  if (have_credential_ && !force &&
      (credential_.expires == 0 || std::time(nullptr) + 10 < credential_.expires)) {
    return true;
  }
  have_credential_ = false;
  config_.token.clear();
  config_.client_cert_pem.clear();
  config_.client_key_pem.clear();
  ++exec_runs_;
  ExecCredential fresh;
  if (!RunExecPlugin(config_.exec, &fresh, error, std::cout)) return false;
  credential_ = fresh;
  have_credential_ = true;
  config_.token = fresh.token;
  config_.client_cert_pem = fresh.client_cert_pem;
  config_.client_key_pem = fresh.client_key_pem;
  return true;
}

K8sResponse K8sClient::Send(const std::string& method, const std::string& path,
                            const std::string& content_type, const std::string& body,
                            long timeout_ms) {
  std::string error;
  if (!EnsureCredential(false, &error)) {
    K8sResponse response;
    response.credential_error = error;
    return response;
  }
  K8sResponse response = SendOnce(method, path, content_type, body, timeout_ms);
  if (response.status == 401 && config_.has_exec) {
    // The plugin's credential may have been revoked early: ask it once more.
    std::cout << "the API refused the exec plugin's credential (401); running the plugin again\n";
    if (!EnsureCredential(true, &error)) {
      K8sResponse failed;
      failed.credential_error = error;
      return failed;
    }
    response = SendOnce(method, path, content_type, body, timeout_ms);
  }
  return response;
}

K8sResponse K8sClient::SendOnce(const std::string& method, const std::string& path,
                                const std::string& content_type, const std::string& body,
                                long timeout_ms) {
  K8sResponse response;
  CURL* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) {
    response.transport = CURLE_FAILED_INIT;
    response.transport_error = "cannot start an HTTP client";
    return response;
  }
  curl_easy_reset(curl);  // keeps the open connection
  std::string url = config_.server + path;
  curl_slist* connect_to = nullptr;
  if (!config_.tls_server_name.empty()) {
    // libcurl checks the certificate against the URL's host, so the URL
    // names tls-server-name and CONNECT_TO sends the connection to the
    // server's real address.
    std::string host, port;
    if (SplitServer(config_.server, &host, &port)) {
      url = config_.server.substr(0, config_.server.find("://") + 3) + config_.tls_server_name +
            ":" + port + path;
      connect_to = curl_slist_append(
          nullptr, (config_.tls_server_name + ":" + port + ":" + host + ":" + port).c_str());
    }
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  if (connect_to != nullptr) curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect_to);
  if (!config_.proxy_url.empty()) {
    // The kubeconfig's proxy carries every request to this cluster, loopback
    // included, as kubectl's does.
    curl_easy_setopt(curl, CURLOPT_PROXY, config_.proxy_url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "");
  }
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 10000L));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "tame");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  char detail[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
  if (config_.insecure) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  } else {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  }
  if (!config_.ca_pem.empty()) {
    // Only the configured CA: neither the CA bundle nor the CA folder of
    // the system may vouch for the API server.
    curl_blob ca{const_cast<char*>(config_.ca_pem.data()), config_.ca_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &ca);
    curl_easy_setopt(curl, CURLOPT_CAPATH, nullptr);
  }
  if (!config_.client_cert_pem.empty()) {
    curl_blob cert{const_cast<char*>(config_.client_cert_pem.data()),
                   config_.client_cert_pem.size(), CURL_BLOB_COPY};
    curl_blob key{const_cast<char*>(config_.client_key_pem.data()), config_.client_key_pem.size(),
                  CURL_BLOB_COPY};
    curl_easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
  }
  curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
  if (!config_.token.empty()) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + config_.token).c_str());
  }
  if (!content_type.empty()) {
    headers = curl_slist_append(headers, ("Content-Type: " + content_type).c_str());
  }
  if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  curl_slist_free_all(connect_to);
  if (code != CURLE_OK) {
    response.transport = code;
    response.transport_error = curl_easy_strerror(code);
    response.transport_detail = detail;
    response.body.clear();
    return response;
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  response.json = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  return response;
}

bool K8sClient::Transient(const K8sResponse& response) {
  if (!response.credential_error.empty()) return false;
  if (response.status == 0) {
    return response.transport != CURLE_PEER_FAILED_VERIFICATION &&
           response.transport != CURLE_SSL_CACERT_BADFILE &&
           response.transport != CURLE_SSL_CERTPROBLEM;
  }
  return response.status == 409 || response.status == 429 || response.status >= 500;
}

std::string K8sClient::Explain(const K8sResponse& response, const std::string& action) const {
  const std::string where = config_.cluster.empty()
                                ? "the Kubernetes API at " + config_.server
                                : "the Kubernetes API at " + config_.server +
                                      " (kubeconfig cluster \"" + config_.cluster + "\")";
  if (!response.credential_error.empty()) {
    return "cannot " + action + ": " + response.credential_error;
  }
  if (response.status == 0) {
    switch (response.transport) {
      case CURLE_PEER_FAILED_VERIFICATION:
        if (response.transport_detail.find("subject name") != std::string::npos ||
            response.transport_detail.find("does not match") != std::string::npos) {
          return "cannot " + action + ": the certificate of " + where + " is for another name" +
                 (config_.tls_server_name.empty()
                      ? ""
                      : " than tls-server-name \"" + config_.tls_server_name + "\"") +
                 " (" + response.transport_detail + ")";
        }
        [[fallthrough]];
      case CURLE_SSL_CACERT_BADFILE:
        return "cannot " + action + ": the certificate of " + where + " is not trusted: " +
               (config_.ca_pem.empty() ? "no system CA vouches for it"
                                       : "it is not signed by the configured CA") +
               " (" + response.transport_error + ")";
      case CURLE_SSL_CERTPROBLEM:
        return "cannot " + action + ": the client certificate of kubeconfig user \"" +
               config_.user + "\" cannot be used (" + response.transport_error + ")";
      case CURLE_OPERATION_TIMEDOUT:
        return "cannot " + action + ": " + where + " did not answer in time";
      default:
        return "cannot " + action + ": cannot reach " + where + ": " + response.transport_error;
    }
  }
  const std::string message = response.Message();
  switch (response.status) {
    case 401:
      return "cannot " + action + ": " + config_.credential +
             " was refused (401 Unauthorized) by " + where;
    case 403:
      return "cannot " + action + ": " + config_.credential +
             " was refused permission (403 Forbidden): " + message;
    case 404: {
      const Json* details = response.json.is_object() && response.json.contains("details")
                                ? &response.json["details"]
                                : nullptr;
      if (details != nullptr && details->value("kind", "") == "namespaces") {
        const std::string ns = details->value("name", "");
        return "cannot " + action + ": namespace \"" + ns +
               "\" does not exist (create it with "
               "`kubectl create namespace " +
               ns + "`)";
      }
      return "cannot " + action + ": 404 Not Found: " + message;
    }
    case 409:
      return "cannot " + action + ": the API refused it (409 Conflict): " + message;
    case 422:
      return "cannot " + action +
             ": the API refused it as invalid (422 Unprocessable Entity): " + message;
    default:
      return "cannot " + action + ": " + where + " answered " + StatusText(response.status) +
             (message.empty() ? "" : ": " + message);
  }
}

}  // namespace tame
