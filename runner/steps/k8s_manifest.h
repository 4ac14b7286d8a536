// The objects k8s.deploy applies: a Deployment and a Service generated from
// the step's params, or the Deployment and Services of a user's manifest
// file (YAML or JSON) with its container image set.
#ifndef TAME_RUNNER_STEPS_K8S_MANIFEST_H_
#define TAME_RUNNER_STEPS_K8S_MANIFEST_H_

#include <map>
#include <string>
#include <vector>

#include "core/pipeline.h"

namespace tame {

/// What to generate, from k8s.deploy's params.
struct DeploySpec {
  std::string name;
  std::string ns;
  std::string image;
  int64_t replicas = 1;
  int64_t port = 8080;
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> labels;
  /// "requests.cpu" -> "250m", "limits.memory" -> "512Mi", ...
  std::map<std::string, std::string> resources;
  /// The Deployment's kubernetes.io/change-cause, shown by
  /// `kubectl rollout history`; none when empty.
  std::string change_cause;
};

/// The objects to apply, each with metadata.name and metadata.namespace.
struct Manifests {
  Json deployment;
  std::vector<Json> services;
};

/// The label that selects the generated Deployment's pods.
constexpr char kNameLabel[] = "app.kubernetes.io/name";

/// A Deployment (one container named after the app, its port named
/// "http", a TCP readiness probe on it) and a ClusterIP Service in front of
/// it. Returns false with `error` when a `resources` key is not
/// requests.NAME or limits.NAME.
bool GenerateManifests(const DeploySpec& spec, Manifests* out, std::string* error);

/// The objects in `text`, read from the file `display` (for messages): YAML
/// (several documents, each an object or a List) or JSON. Plain YAML
/// scalars are typed as Kubernetes types them (YAML 1.1: yes/no are
/// booleans, 0644 is octal). Returns false with `error` naming the
/// document and line.
bool ParseManifestText(const std::string& text, const std::string& display,
                       std::vector<Json>* objects, std::string* error);

/// Takes the Deployment and Services of `objects` for `spec`: exactly one
/// Deployment, named spec.name; objects without a namespace get spec.ns;
/// the Deployment's container (the only one, or the one named spec.name)
/// gets spec.image. Returns false with `error` for other kinds, a second
/// Deployment, another name or an ambiguous container.
bool TakeManifests(const std::vector<Json>& objects, const std::string& display,
                   const DeploySpec& spec, Manifests* out, std::string* error);

}  // namespace tame

#endif  // TAME_RUNNER_STEPS_K8S_MANIFEST_H_
