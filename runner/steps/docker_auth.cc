#include "runner/steps/docker_auth.h"

#include <cstdlib>

#include "core/masker.h"
#include "core/pipeline.h"
#include "runner/files.h"
#include "runner/steps/command.h"

namespace tame {
namespace {

constexpr size_t kMaxConfig = 4 << 20;
constexpr char kDockerHubKey[] = "https://index.docker.io/v1/";

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// A path component: lower-case letters and digits, joined by . _ or -.
bool ValidComponent(const std::string& c) {
  if (c.empty() || !IsLowerAlnum(c.front()) || !IsLowerAlnum(c.back())) return false;
  for (char ch : c) {
    if (!IsLowerAlnum(ch) && ch != '.' && ch != '_' && ch != '-') return false;
  }
  return true;
}

// "https://host:5000/v1/" -> "host:5000", as the CLI compares auths keys.
std::string KeyHost(std::string key) {
  size_t scheme = key.find("://");
  if (scheme != std::string::npos) key = key.substr(scheme + 3);
  return key.substr(0, key.find('/'));
}

bool IsDockerHub(const std::string& host) {
  return host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io";
}

Json ReadConfig(std::string* error) {
  std::string dir = Env("DOCKER_CONFIG");
  if (dir.empty()) dir = Env("HOME") + "/.docker";
  std::string path = dir + "/config.json";
  std::string text, why;
  if (!ReadFile(path, kMaxConfig, &text, &why)) {
    if (why.find("No such file") == std::string::npos) *error = path + ": " + why;
    return Json::object();
  }
  Json config = Json::parse(text, nullptr, false);
  if (!config.is_object()) {
    *error = path + ": not a JSON object";
    return Json::object();
  }
  return config;
}

// Asks docker-credential-HELPER for the credentials of `server`.
bool FromHelper(const std::string& helper, const std::string& server, RegistryAuth* auth,
                std::string* error) {
  CommandResult result;
  std::string why;
  std::string program = "docker-credential-" + helper;
  if (!RunCommand({program, "get"}, server, &result, &why)) {
    *error = why;
    return false;
  }
  if (result.exit_code != 0) {
    if (result.out.find("credentials not found") != std::string::npos) return true;
    *error = program + " failed (exit code " + std::to_string(result.exit_code) + ")";
    return false;
  }
  Json answer = Json::parse(result.out, nullptr, false);
  if (!answer.is_object() || !answer.contains("Secret") || !answer["Secret"].is_string()) {
    *error = program + " gave an answer without a Secret";
    return false;
  }
  std::string user = answer.value("Username", "");
  if (user == "<token>") {
    auth->identity_token = answer["Secret"].get<std::string>();
  } else {
    auth->username = user;
    auth->password = answer["Secret"].get<std::string>();
  }
  auth->source = program;
  return true;
}

bool FromEntry(const Json& entry, RegistryAuth* auth, std::string* error) {
  if (!entry.is_object()) return true;
  std::string encoded = entry.value("auth", "");
  if (!encoded.empty()) {
    std::string plain;
    size_t colon;
    if (!Base64Decode(encoded, &plain) || (colon = plain.find(':')) == std::string::npos) {
      *error = "the docker config's \"auth\" entry for " + auth->server +
               " is not base64 of user:password";
      return false;
    }
    auth->username = plain.substr(0, colon);
    auth->password = plain.substr(colon + 1);
  } else {
    auth->username = entry.value("username", "");
    auth->password = entry.value("password", "");
  }
  auth->identity_token = entry.value("identitytoken", "");
  return true;
}

}  // namespace

bool ValidTag(const std::string& tag) {
  if (tag.empty() || tag.size() > 128) return false;
  for (size_t i = 0; i < tag.size(); ++i) {
    char c = tag[i];
    bool word =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!word && (i == 0 || (c != '.' && c != '-'))) return false;
  }
  return true;
}

bool ParseImageRef(const std::string& text, ImageRef* ref, std::string* error) {
  *ref = ImageRef();
  auto bad = [&](const std::string& why) {
    *error = "\"" + text + "\" is not an image reference: " + why;
    return false;
  };
  std::string rest = text;
  size_t at = rest.find('@');
  if (at != std::string::npos) {
    ref->digest = rest.substr(at + 1);
    rest = rest.substr(0, at);
    size_t colon = ref->digest.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == ref->digest.size()) {
      return bad("the digest must read algorithm:hex, such as sha256:...");
    }
  }
  size_t slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    ref->tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    if (!ValidTag(ref->tag)) {
      return bad("the tag \"" + ref->tag +
                 "\" may hold letters, digits, '_', '.' and '-' "
                 "(not first), at most 128");
    }
  }
  if (rest.empty()) return bad("the name is empty");
  ref->repository = rest;
  size_t first = rest.find('/');
  std::string head = rest.substr(0, first);
  if (first != std::string::npos &&
      (head.find_first_of(".:") != std::string::npos || head == "localhost")) {
    ref->registry = head;
    ref->path = rest.substr(first + 1);
  } else {
    ref->registry = "docker.io";
    ref->path = rest;
  }
  size_t start = 0;
  while (start <= ref->path.size()) {
    size_t end = ref->path.find('/', start);
    if (end == std::string::npos) end = ref->path.size();
    if (!ValidComponent(ref->path.substr(start, end - start))) {
      return bad(
          "each part of the name holds lower-case letters and digits, joined by "
          "'.', '_' or '-'");
    }
    start = end + 1;
  }
  return true;
}

bool DockerConfigAuth(const std::string& registry, RegistryAuth* auth, std::string* error) {
  *auth = RegistryAuth();
  auth->server = IsDockerHub(registry) ? kDockerHubKey : registry;
  Json config = ReadConfig(error);
  if (!error->empty()) return false;
  auto helpers = config.find("credHelpers");
  if (helpers != config.end() && helpers->is_object()) {
    for (const auto& [key, helper] : helpers->items()) {
      if (helper.is_string() && (key == registry || KeyHost(key) == registry)) {
        return FromHelper(helper.get<std::string>(), auth->server, auth, error);
      }
    }
  }
  auto auths = config.find("auths");
  if (auths != config.end() && auths->is_object()) {
    for (const auto& [key, entry] : auths->items()) {
      std::string host = KeyHost(key);
      if (host == registry || (IsDockerHub(registry) && IsDockerHub(host))) {
        if (!FromEntry(entry, auth, error)) return false;
        if (!auth->empty()) {
          auth->source = "the docker config";
          return true;
        }
      }
    }
  }
  auto store = config.find("credsStore");
  if (store != config.end() && store->is_string() && !store->get<std::string>().empty()) {
    return FromHelper(store->get<std::string>(), auth->server, auth, error);
  }
  return true;
}

std::string DockerConfigRegistryHeader() {
  std::string error;
  Json config = ReadConfig(&error);
  auto auths = config.find("auths");
  if (!error.empty() || auths == config.end() || !auths->is_object()) return "";
  Json all = Json::object();
  for (const auto& [key, entry] : auths->items()) {
    RegistryAuth auth;
    auth.server = key;
    std::string why;
    if (!FromEntry(entry, &auth, &why) || auth.empty()) continue;
    all[key] =
        Json{{"username", auth.username}, {"password", auth.password}, {"serveraddress", key}};
    if (!auth.identity_token.empty()) all[key]["identitytoken"] = auth.identity_token;
  }
  if (all.empty()) return "";
  std::string encoded = Base64Encode(all.dump());
  for (char& c : encoded) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return encoded;
}

std::string RegistryAuthHeader(const RegistryAuth& auth) {
  Json body = Json::object();
  if (!auth.identity_token.empty()) {
    body["identitytoken"] = auth.identity_token;
  } else if (!auth.empty()) {
    body["username"] = auth.username;
    body["password"] = auth.password;
  }
  if (!body.empty()) body["serveraddress"] = auth.server;
  std::string encoded = Base64Encode(body.dump());
  for (char& c : encoded) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return encoded;
}

bool Base64Decode(const std::string& text, std::string* out) {
  out->clear();
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+' || c == '-')
      v = 62;
    else if (c == '/' || c == '_')
      v = 63;
    else if (c == '=' || c == '\n' || c == '\r')
      continue;
    else
      return false;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out->push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  return true;
}

}  // namespace tame
