// libcurl, loaded when first used.
//
// Linking libcurl pulls some thirty shared libraries into every start of
// tame (TLS, Kerberos, LDAP, SSH...), which costs several milliseconds of
// dynamic linking each time, while most starts (validate, fmt, a run of
// shell steps, a cached rerun) never make a request. So tame is not linked
// with libcurl: this file defines the libcurl functions tame calls, and each
// forwards to the real one from libcurl.so.4, opened with dlopen() on the
// first call. When it cannot be opened, curl_global_init() and
// curl_easy_init() fail as libcurl's own do when out of resources, and
// curl_easy_strerror() says why; every caller already handles that.
#include <curl/curl.h>
#include <dlfcn.h>

#include <cstdarg>
#include <mutex>
#include <string>

namespace {

struct Api {
  CURLcode (*global_init)(long);
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL*);
  void (*easy_reset)(CURL*);
  CURLcode (*easy_perform)(CURL*);
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  const char* (*easy_strerror)(CURLcode);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
};

std::string load_error;  // why libcurl could not be opened

template <typename F>
bool Resolve(void* lib, const char* name, F* fn) {
  *fn = reinterpret_cast<F>(dlsym(lib, name));
  if (*fn != nullptr) return true;
  load_error = std::string("libcurl.so.4 lacks ") + name;
  return false;
}

// The functions, or nullptr when libcurl cannot be used.
const Api* Curl() {
  static Api api;
  static const Api* loaded = nullptr;
  static std::once_flag once;
  std::call_once(once, [] {
    void* lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      const char* why = dlerror();
      load_error = why != nullptr ? why : "cannot open libcurl.so.4";
      return;
    }
    if (Resolve(lib, "curl_global_init", &api.global_init) &&
        Resolve(lib, "curl_easy_init", &api.easy_init) &&
        Resolve(lib, "curl_easy_cleanup", &api.easy_cleanup) &&
        Resolve(lib, "curl_easy_reset", &api.easy_reset) &&
        Resolve(lib, "curl_easy_perform", &api.easy_perform) &&
        Resolve(lib, "curl_easy_setopt", &api.easy_setopt) &&
        Resolve(lib, "curl_easy_getinfo", &api.easy_getinfo) &&
        Resolve(lib, "curl_easy_strerror", &api.easy_strerror) &&
        Resolve(lib, "curl_slist_append", &api.slist_append) &&
        Resolve(lib, "curl_slist_free_all", &api.slist_free_all)) {
      loaded = &api;
    }
  });
  return loaded;
}

}  // namespace

// The header may define these names as macros that check argument types.
#undef curl_easy_setopt
#undef curl_easy_getinfo

extern "C" {

CURLcode curl_global_init(long flags) {
  const Api* api = Curl();
  return api != nullptr ? api->global_init(flags) : CURLE_FAILED_INIT;
}

CURL* curl_easy_init() {
  const Api* api = Curl();
  return api != nullptr ? api->easy_init() : nullptr;
}

// A handle exists only when libcurl was loaded, so the functions below that
// take one need not check.
void curl_easy_cleanup(CURL* curl) {
  if (curl != nullptr) Curl()->easy_cleanup(curl);
}

void curl_easy_reset(CURL* curl) { Curl()->easy_reset(curl); }

CURLcode curl_easy_perform(CURL* curl) { return Curl()->easy_perform(curl); }

// The option's number says the type of its argument, as libcurl itself reads
// it: a long, a pointer (object or function), a curl_off_t, or a blob pointer.
CURLcode curl_easy_setopt(CURL* curl, CURLoption option, ...) {
  va_list args;
  va_start(args, option);
  CURLcode result;
  if (option < CURLOPTTYPE_OBJECTPOINT) {
    result = Curl()->easy_setopt(curl, option, va_arg(args, long));
  } else if (option >= CURLOPTTYPE_OFF_T && option < CURLOPTTYPE_BLOB) {
    result = Curl()->easy_setopt(curl, option, va_arg(args, curl_off_t));
  } else {
    result = Curl()->easy_setopt(curl, option, va_arg(args, void*));
  }
  va_end(args);
  return result;
}

// Every CURLINFO takes a pointer to where the answer goes.
CURLcode curl_easy_getinfo(CURL* curl, CURLINFO info, ...) {
  va_list args;
  va_start(args, info);
  CURLcode result = Curl()->easy_getinfo(curl, info, va_arg(args, void*));
  va_end(args);
  return result;
}

const char* curl_easy_strerror(CURLcode code) {
  const Api* api = Curl();
  if (api != nullptr) return api->easy_strerror(code);
  return load_error.c_str();
}

curl_slist* curl_slist_append(curl_slist* list, const char* text) {
  const Api* api = Curl();
  return api != nullptr ? api->slist_append(list, text) : nullptr;
}

void curl_slist_free_all(curl_slist* list) {
  if (list != nullptr) Curl()->slist_free_all(list);
}

}  // extern "C"
