#include "runner/steps/webhook.h"

#include <curl/curl.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace tame {
namespace {

// The answer's body is not needed; reading it lets the connection finish.
size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

}  // namespace

Json WebhookMessage(const std::string& text, const std::string& step) {
  return Json{{"text", text},
              {"pipeline", Env("TAME_PIPELINE")},
              {"run", Env("TAME_RUN_ID")},
              {"step", step}};
}

bool PostJson(const std::string& url, const Json& body, const WebhookOptions& options,
              std::string* error) {
  const std::string payload = body.dump();
  long delay = options.first_delay_ms;
  for (int attempt = 1; attempt <= options.attempts; ++attempt) {
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
      *error = "cannot start an HTTP client";
      return false;
    }
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(payload.size()));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, options.timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode code = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (code == CURLE_OK && status >= 200 && status < 300) return true;
    *error = code != CURLE_OK ? std::string(curl_easy_strerror(code))
                              : "the webhook answered HTTP " + std::to_string(status);
    if (attempt < options.attempts) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay));
      delay *= 2;
    }
  }
  *error += " (after " + std::to_string(options.attempts) + " attempts)";
  return false;
}

}  // namespace tame
