// Image names and registry credentials for docker.build and docker.push.
//
// Credentials come from the step's `username` and `password` (a secret
// reference) or, when the step has none, from the docker CLI's config
// ($DOCKER_CONFIG/config.json, else ~/.docker/config.json): its `auths`,
// `credHelpers` and `credsStore` (docker-credential-* helpers). They go to
// the engine in the X-Registry-Auth header only; nothing here prints them.
#ifndef TAME_RUNNER_STEPS_DOCKER_AUTH_H_
#define TAME_RUNNER_STEPS_DOCKER_AUTH_H_

#include <string>

namespace tame {

struct ImageRef {
  std::string registry;    // "127.0.0.1:5000"; "docker.io" when the name has none
  std::string repository;  // the name as given, without tag or digest
  std::string path;        // the repository without its registry: "team/iris"
  std::string tag;         // empty when not given
  std::string digest;      // "sha256:..." when given
};

/// Parses an image reference such as 127.0.0.1:5000/team/iris:1.0. Returns
/// false with `error` saying what is wrong with it.
bool ParseImageRef(const std::string& text, ImageRef* ref, std::string* error);

/// Whether `tag` is a valid Docker tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
bool ValidTag(const std::string& tag);

struct RegistryAuth {
  std::string username;
  std::string password;
  std::string identity_token;
  std::string server;  // the registry the credentials are for
  std::string source;  // where they came from, for messages
  bool empty() const { return username.empty() && password.empty() && identity_token.empty(); }
};

/// Credentials for `registry` from the docker CLI's config. Returns false
/// with `error` when the config or a credential helper cannot be read; no
/// entry for the registry is not an error (`auth` stays empty).
bool DockerConfigAuth(const std::string& registry, RegistryAuth* auth, std::string* error);

/// Every `auths` entry of the docker config (for X-Registry-Config, which
/// lets a build pull private base images), as that header's value; "" when
/// there are none.
std::string DockerConfigRegistryHeader();

/// The X-Registry-Auth header's value: the credentials as JSON, base64 in
/// the URL-safe alphabet (what the engine decodes). "{}" encoded when empty.
std::string RegistryAuthHeader(const RegistryAuth& auth);

/// Decodes base64 in the standard or the URL-safe alphabet, padded or not.
/// Returns false for other characters.
bool Base64Decode(const std::string& text, std::string* out);

}  // namespace tame

#endif  // TAME_RUNNER_STEPS_DOCKER_AUTH_H_
