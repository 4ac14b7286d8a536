#include "runner/steps/docker_engine.h"

#include <curl/curl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tame {
namespace {

constexpr size_t kMaxErrorBody = 1 << 20;
constexpr size_t kUploadBuffer = 256 << 10;
constexpr int64_t kProgressEveryMs = 3000;

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

// Why connecting to a unix socket fails, in the kernel's words.
std::string UnixConnectError(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return "the socket path is too long";
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::strerror(errno);
  std::string why;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) why = std::strerror(errno);
  close(fd);
  return why;
}

struct Transfer {
  const EngineRequest* request;
  EngineAnswer* answer;
  const std::function<bool(const char*, size_t)>* on_data;
  CURL* curl;
  bool stopped = false;  // on_data asked to stop
  bool body_failed = false;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  Transfer* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->answer->status == 0) {
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &t->answer->status);
  }
  bool ok = t->answer->status >= 200 && t->answer->status < 300;
  if (ok && *t->on_data) {
    if (!(*t->on_data)(data, n)) {
      t->stopped = true;
      return 0;
    }
    return n;
  }
  if (t->answer->body.size() < kMaxErrorBody) t->answer->body.append(data, n);
  return n;
}

size_t ReadBody(char* buffer, size_t size, size_t count, void* user) {
  Transfer* t = static_cast<Transfer*>(user);
  long n = t->request->body(buffer, size * count);
  if (n < 0) {
    t->body_failed = true;
    return CURL_READFUNC_ABORT;
  }
  return static_cast<size_t>(n);
}

}  // namespace

bool Engine::FromEnvironment(Engine* engine, std::string* error) {
  std::string host = Env("DOCKER_HOST");
  if (host.empty()) host = "unix:///var/run/docker.sock";
  std::string version = Env("DOCKER_API_VERSION");
  if (version.empty()) version = "1.41";
  engine->address_ = host;
  if (host.rfind("unix://", 0) == 0) {
    engine->socket_ = host.substr(7);
    engine->base_url_ = "http://localhost/v" + version;
    return true;
  }
  if (host.rfind("tcp://", 0) == 0) {
    std::string authority = host.substr(6);
    authority = authority.substr(0, authority.find('/'));
    bool tls = !Env("DOCKER_TLS_VERIFY").empty();
    size_t colon = authority.rfind(':');
    size_t bracket = authority.rfind(']');  // an IPv6 address
    if (colon == std::string::npos || (bracket != std::string::npos && colon < bracket)) {
      authority += tls ? ":2376" : ":2375";
    }
    engine->base_url_ = (tls ? "https://" : "http://") + authority + "/v" + version;
    if (tls) {
      std::string certs = Env("DOCKER_CERT_PATH");
      if (certs.empty()) certs = Env("HOME") + "/.docker";
      engine->ca_ = certs + "/ca.pem";
      engine->cert_ = certs + "/cert.pem";
      engine->key_ = certs + "/key.pem";
    }
    return true;
  }
  *error = "DOCKER_HOST is \"" + host + "\"; tame reaches the Docker engine over unix:// or tcp://";
  return false;
}

bool Engine::Call(const EngineRequest& request, EngineAnswer* answer, std::string* error,
                  const std::function<bool(const char*, size_t)>& on_data) const {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    *error = "cannot start an HTTP client";
    return false;
  }
  *answer = EngineAnswer();
  Transfer transfer{&request, answer, &on_data, curl};
  std::string url = base_url_ + request.path;
  char curl_error[CURL_ERROR_SIZE] = "";
  curl_slist* headers = curl_slist_append(nullptr, "Expect:");  // no 100-continue pause
  for (const std::string& h : request.headers) headers = curl_slist_append(headers, h.c_str());

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  if (!socket_.empty()) curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, socket_.c_str());
  if (!ca_.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, ca_.c_str());
    curl_easy_setopt(curl, CURLOPT_SSLCERT, cert_.c_str());
    curl_easy_setopt(curl, CURLOPT_SSLKEY, key_.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  if (request.method == "POST" && request.body) {
    headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadBody);
    curl_easy_setopt(curl, CURLOPT_READDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, static_cast<long>(kUploadBuffer));
  } else if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body_text.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body_text.size()));
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  CURLcode code = curl_easy_perform(curl);
  if (answer->status == 0) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer->status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);

  if (code == CURLE_OK || (code == CURLE_WRITE_ERROR && transfer.stopped)) return true;
  if (transfer.body_failed) {
    *error = request.body_error ? request.body_error() : "the request body could not be read";
    return false;
  }
  if (code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
      code == CURLE_OPERATION_TIMEDOUT || code == CURLE_SSL_CONNECT_ERROR) {
    std::string why = socket_.empty() ? "" : UnixConnectError(socket_);
    if (why.empty()) why = curl_error[0] != '\0' ? curl_error : curl_easy_strerror(code);
    *error = "cannot reach the Docker engine at " + address_ + ": " + why +
             "; is dockerd running? (DOCKER_HOST chooses another engine)";
    return false;
  }
  *error = "the exchange with the Docker engine at " + address_ +
           " broke off: " + (curl_error[0] != '\0' ? curl_error : curl_easy_strerror(code));
  return false;
}

bool Engine::Ping(std::string* error) const {
  EngineRequest request;
  request.path = "/_ping";
  EngineAnswer answer;
  if (!Call(request, &answer, error)) return false;
  if (answer.status == 200) return true;
  *error = "the Docker engine at " + address_ + " answers " + ErrorMessage(answer);
  return false;
}

std::string Engine::ErrorMessage(const EngineAnswer& answer) {
  Json body = Json::parse(answer.body, nullptr, false);
  if (body.is_object() && body.contains("message") && body["message"].is_string()) {
    return body["message"].get<std::string>();
  }
  std::string text = answer.body;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text.empty() ? "HTTP " + std::to_string(answer.status) : text;
}

bool Engine::CallForMessages(const EngineRequest& request, EngineAnswer* answer, std::string* error,
                             const std::function<void(const Json&)>& on_message) const {
  JsonMessageStream messages;
  bool reached = Call(request, answer, error, [&](const char* data, size_t size) {
    messages.Feed(data, size, on_message);
    return true;
  });
  messages.Finish(on_message);
  return reached;
}

void JsonMessageStream::Emit(const std::string& line,
                             const std::function<void(const Json&)>& on_message) {
  size_t end = line.find_last_not_of("\r\n \t");
  if (end == std::string::npos) return;
  std::string text = line.substr(0, end + 1);
  Json message = Json::parse(text, nullptr, false);
  if (message.is_object()) {
    on_message(message);
  } else {
    on_message(Json{{"stream", text + "\n"}});
  }
}

void JsonMessageStream::Feed(const char* data, size_t size,
                             const std::function<void(const Json&)>& on_message) {
  partial_.append(data, size);
  size_t start = 0;
  for (size_t nl = partial_.find('\n'); nl != std::string::npos; nl = partial_.find('\n', start)) {
    Emit(partial_.substr(start, nl - start), on_message);
    start = nl + 1;
  }
  partial_.erase(0, start);
}

void JsonMessageStream::Finish(const std::function<void(const Json&)>& on_message) {
  Emit(partial_, on_message);
  partial_.clear();
}

namespace {

std::string Megabytes(int64_t bytes) {
  char text[32];
  if (bytes < 1000000) {
    std::snprintf(text, sizeof text, "%.1f kB", static_cast<double>(bytes) / 1e3);
  } else {
    std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  }
  return text;
}

}  // namespace

void ProgressPrinter::Status(const Json& message) {
  std::string status = message.value("status", "");
  std::string id = message.value("id", "");
  if (id.empty()) {
    if (!status.empty()) *out_ << status << "\n";
    return;
  }
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now().time_since_epoch())
                    .count();
  bool changed = status_[id] != status;
  if (!changed && now - printed_ms_[id] < kProgressEveryMs) return;
  status_[id] = status;
  printed_ms_[id] = now;
  std::string line = id + ": " + status;
  auto detail = message.find("progressDetail");
  if (detail != message.end() && detail->is_object() && detail->contains("current") &&
      (*detail)["current"].is_number_integer()) {
    line += " " + Megabytes((*detail)["current"].get<int64_t>());
    if (detail->contains("total") && (*detail)["total"].is_number_integer()) {
      line += " of " + Megabytes((*detail)["total"].get<int64_t>());
    }
  }
  *out_ << line << "\n";
}

}  // namespace tame
