// Following a Deployment's rollout as `kubectl rollout status` does, and
// finding the pod template of an earlier revision to roll back to, as
// `kubectl rollout undo` does.
#ifndef TAME_RUNNER_STEPS_K8S_ROLLOUT_H_
#define TAME_RUNNER_STEPS_K8S_ROLLOUT_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "core/pipeline.h"
#include "runner/steps/k8s_client.h"

namespace tame {

/// The API path of a Deployment, or of the namespace's Deployments when
/// `name` is empty.
std::string DeploymentPath(const std::string& ns, const std::string& name);
/// The API path of a Service.
std::string ServicePath(const std::string& ns, const std::string& name);

/// The `deployment.kubernetes.io/revision` annotation of `object`, "" when
/// it has none.
std::string RevisionOf(const Json& object);

/// True when the Deployment controller has seen the object's latest spec
/// (status.observedGeneration >= metadata.generation).
bool GenerationObserved(const Json& deployment);

/// Where a rollout stands: kubectl's verdict on one Deployment object.
struct RolloutVerdict {
  bool done = false;
  bool failed = false;  // the Progressing condition says ProgressDeadlineExceeded
  std::string line;     // kubectl's words, such as "Waiting for deployment ..."
};

/// Judges `deployment` as kubectl's DeploymentStatusViewer does: nothing is
/// known until status.observedGeneration reaches metadata.generation; then
/// ProgressDeadlineExceeded fails it, and it is done once every replica is
/// updated, no old one is left and every updated one is available.
RolloutVerdict JudgeRollout(const Json& deployment);

enum class WaitOutcome { kRolledOut, kFailed, kTimedOut, kApiError };

struct WaitResult {
  WaitOutcome outcome = WaitOutcome::kApiError;
  std::string message;  // why it failed, timed out or could not be asked
  Json deployment;      // the last Deployment object seen
};

/// Polls the Deployment until its rollout is done, fails, or `timeout_ms`
/// passes, writing each new status line to `log`. Answers that say the API
/// is busy or away (5xx, no answer) are waited out until the timeout.
WaitResult WaitForRollout(K8sClient& client, const std::string& ns, const std::string& name,
                          int64_t timeout_ms, std::ostream& log);

/// The pod template that `deployment` ran at `revision`: the spec.template
/// of its ReplicaSet carrying that revision, without the
/// pod-template-hash label the controller adds. Returns false with `error`
/// when the ReplicaSets cannot be listed or none carries the revision.
bool RevisionTemplate(K8sClient& client, const Json& deployment, const std::string& revision,
                      Json* pod_template, std::string* error);

}  // namespace tame

#endif  // TAME_RUNNER_STEPS_K8S_ROLLOUT_H_
