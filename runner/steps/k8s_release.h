// k8s.deploy's canary and blue-green strategies: the release is driven from
// the step's own process, judged by live metrics (core/analysis.h), and
// aborted (the canary removed, or the Service switched back) when the
// analysis fails, the rollout fails, or the step is interrupted.
//
// Labels (docs/kubernetes.md explains the design):
//   stable pods   app.kubernetes.io/name: NAME, tame.dev/release: NAME, track: stable
//   canary pods   app.kubernetes.io/name: NAME-canary, tame.dev/release: NAME, track: canary
//   the Service   selects tame.dev/release: NAME (canary), or
//                 app.kubernetes.io/name of the serving Deployment (blue-green)
// Each Deployment selects its own app.kubernetes.io/name only, so neither
// selector matches the other's pods.
#ifndef TAME_RUNNER_STEPS_K8S_RELEASE_H_
#define TAME_RUNNER_STEPS_K8S_RELEASE_H_

#include <string>

#include "core/pipeline.h"
#include "runner/steps/k8s_client.h"
#include "runner/steps/k8s_extras.h"
#include "runner/steps/k8s_manifest.h"
#include "runner/steps/step.h"

namespace tame {

/// The label every pod of a release carries, which a canary's Service selects.
constexpr char kReleaseLabel[] = "tame.dev/release";
/// "stable" or "canary", so that queries can tell the versions apart.
constexpr char kTrackLabel[] = "track";

/// The blue-green Deployment's name for `pod_template`: NAME- and the first
/// 8 hex digits of the FNV-1a hash of the template without its
/// app.kubernetes.io/name label.
std::string BlueGreenName(const std::string& name, const Json& pod_template);

/// Runs the release that `strategy` names ("canary" or "blue-green") for
/// the generated or read `manifests`; `live` is the live Deployment named
/// NAME (null when none). Writes the analysis's measurements to the
/// report, and returns the step's exit status.
int RunRelease(K8sClient& client, const StepContext& context, const Manifests& manifests,
               const IngressSpec& ingress, const AutoscaleSpec& autoscale, const Json& live);

}  // namespace tame

#endif  // TAME_RUNNER_STEPS_K8S_RELEASE_H_
