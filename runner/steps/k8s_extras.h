// What k8s.deploy adds around the Deployment and Service: an Ingress that
// people outside the cluster reach, a HorizontalPodAutoscaler, the URL the
// service answers at, and the adoption of a Deployment or Service that
// someone else made with other selectors.
#ifndef TAME_RUNNER_STEPS_K8S_EXTRAS_H_
#define TAME_RUNNER_STEPS_K8S_EXTRAS_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "core/pipeline.h"
#include "runner/steps/k8s_client.h"
#include "runner/steps/k8s_manifest.h"

namespace tame {

/// k8s.deploy's `ingress` param.
struct IngressSpec {
  bool enabled = false;
  std::string host;
  std::string path = "/";
  std::string class_name;
  std::string tls_secret;
};

/// k8s.deploy's `autoscale` param.
struct AutoscaleSpec {
  bool enabled = false;
  int64_t min = 1;
  int64_t max = 1;
  int64_t cpu = 80;
};

/// Reads `ingress` and `autoscale` from the step's params.
void ReadExtras(const Json& params, IngressSpec* ingress, AutoscaleSpec* autoscale);

/// The API paths of an Ingress and a HorizontalPodAutoscaler.
std::string IngressPath(const std::string& ns, const std::string& name);
std::string AutoscalerPath(const std::string& ns, const std::string& name);

/// A networking.k8s.io/v1 Ingress named after the Deployment, routing
/// `ingress.path` (Prefix) on `ingress.host` to the first Service's first
/// port, labelled as tame's.
Json MakeIngress(const IngressSpec& ingress, const Manifests& manifests);

/// An autoscaling/v2 HorizontalPodAutoscaler of the Deployment on CPU
/// utilisation, labelled as tame's.
Json MakeAutoscaler(const AutoscaleSpec& autoscale, const Manifests& manifests);

/// Where people reach the service: https://HOST/PATH with a TLS secret,
/// http://HOST/PATH with an ingress, else http://NAME.NAMESPACE.svc:PORT.
std::string ServiceUrl(const IngressSpec& ingress, const Manifests& manifests);

/// Applies the Ingress and autoscaler the params ask for, and deletes
/// tame's own (labelled managed-by tame, named after the Deployment) when
/// the params no longer do. Says what it did on `log`; on failure says why
/// and sets `failure` to the step's exit status.
bool ApplyExtras(K8sClient& client, const IngressSpec& ingress, const AutoscaleSpec& autoscale,
                 const Manifests& manifests, std::ostream& log, int* failure);

/// Adopts what already runs under the Deployment's name: a live Deployment
/// whose selector differs keeps its selector (the API refuses to change
/// it), and the pods get its labels as well as tame's; a live Service whose
/// selector differs keeps selecting them. Returns false with `error` saying
/// what to do when the live Deployment cannot be adopted.
bool Adopt(const Json& live_deployment, const Json& live_service, Manifests* manifests,
           std::ostream& log, std::string* error);

}  // namespace tame

#endif  // TAME_RUNNER_STEPS_K8S_EXTRAS_H_
