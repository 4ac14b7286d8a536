// docker.push: pushes a tag to its registry through the engine (POST
// /images/NAME/push) and publishes the manifest's digest and the reference
// by digest that a deploy step should use.
//
// With `registry`, the image is first tagged into that registry under the
// same path and tag (iris:3f2a9c1b7d0e -> 127.0.0.1:5000/iris:3f2a9c1b7d0e),
// so a build's default tag can be pushed anywhere. Credentials: see
// docker_auth.h; they travel in the X-Registry-Auth header only.
#include <stdlib.h>

#include <iostream>

#include "core/masker.h"
#include "runner/steps/docker_auth.h"
#include "runner/steps/docker_engine.h"
#include "runner/steps/kinds.h"

namespace tame {
namespace {

struct PushLog {
  explicit PushLog(std::ostream* out) : progress(out) {}

  void On(const Json& m) {
    if (m.contains("status")) {
      progress.Status(m);
      // "TAG: digest: sha256:... size: N", for engines without aux.
      std::string status = m.value("status", "");
      size_t at = status.find(": digest: ");
      if (digest.empty() && at != std::string::npos) {
        digest = status.substr(at + 10, status.find(' ', at + 10) - (at + 10));
      }
    }
    auto aux = m.find("aux");
    if (aux != m.end() && aux->is_object() && aux->contains("Digest") &&
        (*aux)["Digest"].is_string()) {
      digest = (*aux)["Digest"].get<std::string>();
    }
    auto detail = m.find("errorDetail");
    if (detail != m.end() && detail->is_object()) error = detail->value("message", "");
    if (error.empty() && m.contains("error") && m["error"].is_string()) {
      error = m["error"].get<std::string>();
    }
  }

  ProgressPrinter progress;
  std::string digest;
  std::string error;
};

bool IsAuthFailure(const std::string& message) {
  for (const char* word : {"unauthorized", "authentication required", "denied", "401",
                           "incorrect username or password", "no basic auth credentials"}) {
    if (message.find(word) != std::string::npos) return true;
  }
  return false;
}

// Tags `from` as `to` in the engine, unless they are the same name.
bool TagInto(const Engine& engine, const std::string& from, const ImageRef& to,
             const std::string& tag, std::string* error) {
  EngineRequest request;
  request.method = "POST";
  request.path = "/images/" + from + "/tag?repo=" + PercentEncode(to.repository) +
                 "&tag=" + PercentEncode(tag);
  EngineAnswer answer;
  if (!engine.Call(request, &answer, error)) return false;
  if (answer.status == 201 || answer.status == 200) return true;
  *error = answer.status == 404
               ? "there is no image \"" + from + "\" in the Docker engine at " + engine.address()
               : "cannot tag \"" + from + "\": " + Engine::ErrorMessage(answer);
  return false;
}

}  // namespace

// In order: the image and target names, the credentials (a mistake in
// either fails for good), the tag into the target registry or a check that
// the image is there, then the push with its progress, then the verdict:
// refused credentials fail for good, other failures may be retried.
int RunDockerPush(const StepContext& context) {
  unsetenv("TAME_PARAMS");  // parsed; a credential helper needs none of it (a password)
  std::string error;
  const std::string image = context.String("image");
  ImageRef ref;
  if (!ParseImageRef(image, &ref, &error)) {
    std::cout << "docker.push: image: " << error << "\n";
    return kStepFailedFinal;
  }
  if (!ref.digest.empty()) {
    std::cout << "docker.push: image: \"" << image
              << "\" names a digest; push a tag, such as name:1.0\n";
    return kStepFailedFinal;
  }
  const std::string tag = ref.tag.empty() ? "latest" : ref.tag;
  ImageRef target = ref;
  std::string registry = context.String("registry");
  while (!registry.empty() && registry.back() == '/') registry.pop_back();
  if (!registry.empty() && registry != ref.registry) {
    if (!ParseImageRef(registry + "/" + ref.path + ":" + tag, &target, &error)) {
      std::cout << "docker.push: registry: " << error << "\n";
      return kStepFailedFinal;
    }
  }

  RegistryAuth auth;
  const std::string password = context.String("password");
  const std::string username = context.String("username");
  if (!password.empty() || !username.empty()) {
    if (username.empty() || password.empty()) {
      std::cout << "docker.push: give both username and password, or neither to use the "
                   "docker config\n";
      return kStepFailedFinal;
    }
    auth.username = username;
    auth.password = password;
    auth.server = target.registry;
    auth.source = "the step's username and password";
  } else if (!DockerConfigAuth(target.registry, &auth, &error)) {
    std::cout << "docker.push: " << error << "\n";
    return kStepFailedFinal;
  }

  Engine engine;
  if (!Engine::FromEnvironment(&engine, &error)) {
    std::cout << "docker.push: " << error << "\n";
    return kStepFailedFinal;
  }
  const std::string source = ref.repository + ":" + tag;
  const std::string pushed = target.repository + ":" + tag;
  if (target.repository != ref.repository) {
    if (!TagInto(engine, source, target, tag, &error)) {
      std::cout << "docker.push: " << error << "\n";
      return error.rfind("cannot reach", 0) == 0 ? kStepFailed : kStepFailedFinal;
    }
    std::cout << "docker.push: tagged " << source << " as " << pushed << "\n";
  } else {
    EngineRequest inspect;
    inspect.path = "/images/" + pushed + "/json";
    EngineAnswer found;
    if (!engine.Call(inspect, &found, &error)) {
      std::cout << "docker.push: " << error << "\n";
      return kStepFailed;
    }
    if (found.status == 404) {
      std::cout << "docker.push: there is no image \"" << pushed << "\" in the Docker engine at "
                << engine.address() << "\n";
      return kStepFailedFinal;
    }
  }
  std::cout << "docker.push: pushing " << pushed << " to " << target.registry
            << (auth.empty() ? " without credentials" : " with the credentials of " + auth.source)
            << "\n";

  EngineRequest request;
  request.method = "POST";
  request.path = "/images/" + target.repository + "/push?tag=" + PercentEncode(tag);
  request.headers = {"X-Registry-Auth: " + RegistryAuthHeader(auth)};
  PushLog log(&std::cout);
  EngineAnswer answer;
  if (!engine.CallForMessages(request, &answer, &error, [&log](const Json& m) { log.On(m); })) {
    std::cout << "docker.push: " << error << "\n";
    return kStepFailed;
  }
  if (answer.status == 404) {
    std::cout << "docker.push: there is no image \"" << pushed << "\" in the Docker engine at "
              << engine.address() << "\n";
    return kStepFailedFinal;
  }
  if (answer.status < 200 || answer.status >= 300) log.error = Engine::ErrorMessage(answer);
  if (!log.error.empty()) {
    if (IsAuthFailure(log.error)) {
      if (auth.empty()) {
        std::cout << "docker.push: the registry " << target.registry
                  << " asks for credentials: " << log.error
                  << "; give username and password (a secret), or log in with docker login\n";
      } else {
        std::cout << "docker.push: the registry " << target.registry
                  << " refused the credentials of " << auth.source
                  << (auth.username.empty() ? "" : " (user \"" + auth.username + "\")") << ": "
                  << log.error << "\n";
      }
      return kStepFailedFinal;
    }
    std::cout << "docker.push: the push of " << pushed << " failed: " << log.error << "\n";
    return kStepFailed;
  }
  if (log.digest.empty()) {
    std::cout << "docker.push: the engine ended the push without the manifest's digest\n";
    return kStepFailed;
  }
  const std::string by_digest = target.repository + "@" + log.digest;
  context.Output("digest", log.digest);
  context.Output("ref", by_digest);
  std::cout << "docker.push: pushed " << pushed << "\n"
            << "docker.push: digest " << log.digest << "\n"
            << "docker.push: ref " << by_digest << "\n";
  return kStepSucceeded;
}

}  // namespace tame
