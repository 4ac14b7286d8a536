// k8s.deploy: server-side apply a Service and a Deployment, follow the
// rollout as `kubectl rollout status` does, optionally smoke-test the result,
// and roll back to the revision that ran before when the rollout or the
// check fails. The objects are generated from the params or read from a
// manifest file; TAME_K8S_PRINT=1 prints them instead of applying them.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <map>
#include <thread>

#include "runner/files.h"
#include "runner/steps/http_check.h"
#include "runner/steps/k8s_client.h"
#include "runner/steps/k8s_extras.h"
#include "runner/steps/k8s_manifest.h"
#include "runner/steps/k8s_release.h"
#include "runner/steps/k8s_rollout.h"
#include "runner/steps/kinds.h"
#include "runner/steps/kubeconfig.h"

namespace tame {
namespace {

constexpr size_t kMaxManifestBytes = 4u << 20;
// Without `wait`, how long to wait for the controller to give the new
// revision its number.
constexpr int64_t kRevisionWaitMs = 10000;

std::string Quoted(const std::string& text) { return "\"" + text + "\""; }

std::map<std::string, std::string> StringMap(const StepContext& context, const char* name) {
  std::map<std::string, std::string> map;
  auto it = context.params.find(name);
  if (it == context.params.end() || !it->is_object()) return map;
  for (const auto& [key, value] : it->items()) {
    if (value.is_string()) map[key] = value.get<std::string>();
  }
  return map;
}

std::string NameOf(const Json& object) { return object["metadata"].value("name", ""); }
std::string NamespaceOf(const Json& object) { return object["metadata"].value("namespace", ""); }

// Reads the params into `spec` and builds the objects to apply. Returns
// false after saying why.
bool PrepareManifests(const StepContext& context, DeploySpec* spec, Manifests* manifests) {
  spec->name = context.String("name");
  spec->ns = context.String("namespace");
  spec->image = context.String("image");
  spec->replicas = context.Integer("replicas", 1);
  spec->port = context.Integer("port", 8080);
  spec->env = StringMap(context, "env");
  spec->labels = StringMap(context, "labels");
  spec->resources = StringMap(context, "resources");
  if (!context.run_id.empty()) {
    spec->change_cause =
        "tame run " + context.run_id + ", step " + context.step + ": " + spec->image;
  }
  if (spec->name.empty() || spec->image.empty()) {
    std::cout << "k8s.deploy: " << (spec->name.empty() ? "name" : "image") << " is empty\n";
    return false;
  }
  if (spec->ns.empty()) spec->ns = "default";
  std::string error;
  const std::string manifest = context.String("manifest");
  if (manifest.empty()) {
    if (!GenerateManifests(*spec, manifests, &error)) {
      std::cout << "k8s.deploy: " << error << "\n";
      return false;
    }
    return true;
  }
  if (!spec->env.empty() || !spec->labels.empty() || !spec->resources.empty()) {
    std::cout << "note: env, labels and resources shape the generated Deployment; " << manifest
              << " is applied as written, apart from its image\n";
  }
  std::string text;
  if (!ReadFile(context.InWorkspace(manifest), kMaxManifestBytes, &text, &error)) {
    std::cout << "k8s.deploy: manifest " << manifest << ": " << error << "\n";
    return false;
  }
  std::vector<Json> objects;
  if (!ParseManifestText(text, manifest, &objects, &error) ||
      !TakeManifests(objects, manifest, *spec, manifests, &error)) {
    std::cout << "k8s.deploy: " << error << "\n";
    return false;
  }
  return true;
}

// Server-side applies `object` at `path`: tame owns the fields it sends and
// takes over any that another manager held. On failure says why and sets
// the step's exit status in `failure`.
bool Apply(K8sClient& client, const Json& object, const std::string& path, int* failure) {
  const std::string kind = object.value("kind", "");
  K8sResponse response = client.Send("PATCH", path + "?fieldManager=tame&force=true",
                                     "application/apply-patch+yaml", object.dump());
  if (!response.ok()) {
    std::cout << client.Explain(response, "apply " + kind + " " + Quoted(NameOf(object)) +
                                              " in namespace " + Quoted(NamespaceOf(object)))
              << "\n";
    *failure = K8sClient::Transient(response) ? kStepFailed : kStepFailedFinal;
    return false;
  }
  return true;
}

// The state this step rolls back to when it fails.
struct Before {
  bool existed = false;
  std::string revision;
  Json live;  // the live Deployment, when it existed
};

bool ReadBefore(K8sClient& client, const Json& deployment, Before* before, int* failure) {
  const std::string name = NameOf(deployment);
  K8sResponse response = client.Send("GET", DeploymentPath(NamespaceOf(deployment), name));
  if (response.status == 404) return true;
  if (!response.ok()) {
    std::cout << client.Explain(response, "read Deployment " + Quoted(name)) << "\n";
    *failure = K8sClient::Transient(response) ? kStepFailed : kStepFailedFinal;
    return false;
  }
  before->existed = true;
  before->revision = RevisionOf(response.json);
  before->live = response.json;
  return true;
}

// Reads the live Service of `manifests` (null when there is none) and
// adopts what runs under the step's name; with an autoscaler, keeps the
// live replica count so that tame does not fight it.
bool PrepareLive(K8sClient& client, const Before& before, const AutoscaleSpec& autoscale,
                 Manifests* manifests, int* failure) {
  Json live_service;
  if (!manifests->services.empty()) {
    const Json& service = manifests->services[0];
    K8sResponse response = client.Send("GET", ServicePath(NamespaceOf(service), NameOf(service)));
    if (response.ok()) {
      live_service = response.json;
    } else if (response.status != 404) {
      std::cout << client.Explain(response, "read Service " + Quoted(NameOf(service))) << "\n";
      *failure = K8sClient::Transient(response) ? kStepFailed : kStepFailedFinal;
      return false;
    }
  }
  std::string error;
  if (!Adopt(before.live, live_service, manifests, std::cout, &error)) {
    std::cout << "k8s.deploy: " << error << "\n";
    *failure = kStepFailedFinal;
    return false;
  }
  if (autoscale.enabled && before.existed && before.live.contains("spec") &&
      before.live["spec"].contains("replicas")) {
    manifests->deployment["spec"]["replicas"] = before.live["spec"]["replicas"];
    std::cout << "autoscale: replicas stays at the live " << before.live["spec"]["replicas"].dump()
              << "; the autoscaler decides it\n";
  }
  return true;
}

std::string FirstImage(const Json& pod_template) {
  if (!pod_template.contains("spec") || !pod_template["spec"].is_object()) return "";
  const Json& spec = pod_template["spec"];
  if (!spec.contains("containers") || !spec["containers"].is_array() ||
      spec["containers"].empty() || !spec["containers"][0].is_object()) {
    return "";
  }
  return spec["containers"][0].value("image", "");
}

// Puts the pod template of the revision that ran before this step back in
// place and waits for it. Always ends the step as failed: what was asked
// for is not running.
int RollBack(K8sClient& client, const StepContext& context, const Json& applied,
             const Before& before) {
  const std::string name = NameOf(applied);
  const std::string ns = NamespaceOf(applied);
  if (!context.Boolean("rollback", true)) {
    std::cout << "rollback is off: deployment " << Quoted(name) << " stays as it is\n";
    return kStepFailed;
  }
  if (!before.existed || before.revision.empty()) {
    std::cout << "nothing to roll back to: deployment " << Quoted(name)
              << " had no earlier revision; it stays as it is\n";
    return kStepFailed;
  }
  K8sResponse now = client.Send("GET", DeploymentPath(ns, name));
  if (!now.ok() || !now.json.contains("metadata")) {
    std::cout << "cannot roll back: " << client.Explain(now, "read Deployment " + Quoted(name))
              << "\n";
    return kStepFailed;
  }
  // Before the controller has seen the new spec, the revision is still the
  // old one although the template changed; re-applying the old template is
  // then right, and harmless should nothing have changed.
  const bool observed = GenerationObserved(now.json);
  const std::string revision = RevisionOf(now.json);
  if (observed && revision == before.revision) {
    std::cout << "nothing to roll back to: the pod template did not change, deployment "
              << Quoted(name) << " is still at revision " << revision << "\n";
    context.Output("revision", revision);
    return kStepFailed;
  }
  Json pod_template;
  std::string error;
  if (!RevisionTemplate(client, now.json, before.revision, &pod_template, &error)) {
    std::cout << "cannot roll back: " << error << "\n";
    return kStepFailed;
  }
  const std::string image = FirstImage(pod_template);
  std::cout << "rolling back deployment " << Quoted(name)
            << (observed ? " from revision " + revision : "") << " to revision " << before.revision
            << (image.empty() ? "" : " (image " + image + ")") << "\n";
  Json rollback = applied;
  rollback["spec"]["template"] = pod_template;
  if (!context.run_id.empty()) {  // what `kubectl rollout history` shows
    rollback["metadata"]["annotations"]["kubernetes.io/change-cause"] =
        "tame run " + context.run_id + ", step " + context.step + ": rolled back to revision " +
        before.revision;
  }
  int failure = kStepFailed;
  if (!Apply(client, rollback, DeploymentPath(ns, name), &failure)) {
    std::cout << "the rollback failed; deployment " << Quoted(name) << " is at revision "
              << revision << "\n";
    return kStepFailed;
  }
  WaitResult wait =
      WaitForRollout(client, ns, name, context.DurationMs("rollout_timeout", 300000), std::cout);
  const std::string after = RevisionOf(wait.deployment);
  if (!after.empty()) context.Output("revision", after);
  if (wait.outcome == WaitOutcome::kRolledOut) {
    std::cout << "rolled back: deployment " << Quoted(name) << " runs the pod template of revision "
              << before.revision << " again, as revision " << after << "\n";
  } else {
    std::cout << "the rollback did not finish either: " << wait.message << "\n";
  }
  return kStepFailed;
}

// Without `wait`: the revision number is the controller's to give, which it
// does as soon as it sees the new generation.
int FinishWithoutWaiting(K8sClient& client, const StepContext& context, const Json& applied) {
  const std::string name = NameOf(applied);
  const std::string path = DeploymentPath(NamespaceOf(applied), name);
  std::string revision;
  for (int64_t waited = 0; waited <= kRevisionWaitMs; waited += 200) {
    K8sResponse response = client.Send("GET", path);
    if (response.ok() && GenerationObserved(response.json)) {
      revision = RevisionOf(response.json);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::cout << "not waiting for the rollout (wait is false); deployment " << Quoted(name)
            << " is at revision " << (revision.empty() ? "(not numbered yet)" : revision) << "\n";
  if (!revision.empty()) context.Output("revision", revision);
  return kStepSucceeded;
}

bool Check(const StepContext& context) {
  HttpCheckOptions options;
  options.url = context.String("check_url");
  options.expect_status = 0;
  options.contains = context.String("check_contains");
  options.retries = static_cast<int>(std::max<int64_t>(0, context.Integer("check_retries", 5)));
  std::cout << "checking " << options.url << "\n";
  HttpCheckResult result = RunHttpCheckLoop(options, std::cout);
  if (!result.passed) std::cout << "the check after the rollout failed\n";
  return result.passed;
}

// Reads the kubeconfig and says which API the step talks to, warning when
// the kubeconfig turns certificate checks off.
bool Connect(const StepContext& context, KubeConfig* config) {
  std::string error;
  std::string file = context.String("kubeconfig");
  if (!file.empty()) file = context.InWorkspace(file);
  if (!LoadKubeConfig(file, context.String("context"), config, &error)) {
    std::cout << "k8s.deploy: " << error << "\n";
    return false;
  }
  std::cout << "Kubernetes API " << config->server << " ("
            << (config->context.empty()
                    ? config->source
                    : "context " + Quoted(config->context) + " of " + config->source)
            << ")\n";
  if (config->server.rfind("http://", 0) == 0) {
    std::cout << "warning: the API server is reached over plain HTTP: what tame sends, its "
                 "credential included, travels unencrypted\n";
  }
  if (config->has_exec) {
    std::cout << "credential: exec plugin " << config->exec.command << " ("
              << config->exec.api_version << "), kept in memory only\n";
  }
  if (!config->proxy_url.empty()) {
    // A proxy URL may carry a password: the log shows it without.
    std::string shown = config->proxy_url;
    const size_t at = shown.find('@'), scheme = shown.find("://");
    if (at != std::string::npos && scheme != std::string::npos && at > scheme) {
      shown.erase(scheme + 3, at + 1 - (scheme + 3));
    }
    std::cout << "through proxy " << shown << "\n";
  }
  if (config->insecure) {
    std::cout << "warning: kubeconfig cluster " << Quoted(config->cluster)
              << " sets insecure-skip-tls-verify: the API server's certificate is not checked, "
                 "so anyone in between can read and change what tame sends\n";
  }
  return true;
}

// Notes what runs now, applies the Services and then the Deployment,
// follows the rollout, runs the check, and rolls back when either fails.
int ApplyAndFollow(K8sClient& client, const StepContext& context, Manifests manifests) {
  const Json& deployment = manifests.deployment;
  const std::string name = NameOf(deployment);
  const std::string ns = NamespaceOf(deployment);
  IngressSpec ingress;
  AutoscaleSpec autoscale;
  ReadExtras(context.params, &ingress, &autoscale);
  Before before;
  int failure = kStepFailed;
  if (!ReadBefore(client, deployment, &before, &failure)) return failure;
  if (!PrepareLive(client, before, autoscale, &manifests, &failure)) return failure;
  if (const std::string strategy = context.String("strategy");
      !strategy.empty() && strategy != "rolling") {
    return RunRelease(client, context, manifests, ingress, autoscale, before.live);
  }
  for (const Json& service : manifests.services) {
    if (!Apply(client, service, ServicePath(NamespaceOf(service), NameOf(service)), &failure)) {
      return failure;
    }
    std::cout << "service/" << NameOf(service) << " applied\n";
  }
  if (!Apply(client, deployment, DeploymentPath(ns, name), &failure)) return failure;
  std::cout << "deployment.apps/" << name << " applied"
            << (before.existed ? " (revision " + before.revision + " was running)" : " (new)")
            << "\n";
  if (!ApplyExtras(client, ingress, autoscale, manifests, std::cout, &failure)) return failure;
  context.Output("url", ServiceUrl(ingress, manifests));
  if (!context.Boolean("wait", true)) return FinishWithoutWaiting(client, context, deployment);

  WaitResult result =
      WaitForRollout(client, ns, name, context.DurationMs("rollout_timeout", 300000), std::cout);
  switch (result.outcome) {
    case WaitOutcome::kRolledOut:
      break;
    case WaitOutcome::kApiError:
      std::cout << result.message << "\n";
      return kStepFailed;
    case WaitOutcome::kTimedOut:
      std::cout << "the rollout of deployment " << Quoted(name) << " did not finish within "
                << context.String("rollout_timeout") << "; " << result.message << "\n";
      return RollBack(client, context, deployment, before);
    case WaitOutcome::kFailed:
      std::cout << "the rollout of deployment " << Quoted(name) << " failed: " << result.message
                << "\n";
      return RollBack(client, context, deployment, before);
  }
  if (!context.String("check_url").empty() && !Check(context)) {
    return RollBack(client, context, deployment, before);
  }
  const std::string revision = RevisionOf(result.deployment);
  context.Output("revision", revision);
  std::cout << "deployment " << Quoted(name) << " is at revision " << revision << "\n";
  return kStepSucceeded;
}

int Deploy(const StepContext& context) {
  DeploySpec spec;
  Manifests manifests;
  if (!PrepareManifests(context, &spec, &manifests)) return kStepFailedFinal;
  if (!context.String("check_url").empty() && !context.Boolean("wait", true)) {
    std::cout << "k8s.deploy: check_url needs wait: true (a check before the rollout finished "
                 "would test the old pods)\n";
    return kStepFailedFinal;
  }
  const char* print = std::getenv("TAME_K8S_PRINT");
  if (print != nullptr && std::string(print) == "1") {
    Json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", Json::array()}};
    for (const Json& service : manifests.services) list["items"].push_back(service);
    list["items"].push_back(manifests.deployment);
    IngressSpec ingress;
    AutoscaleSpec autoscale;
    ReadExtras(context.params, &ingress, &autoscale);
    if (ingress.enabled) list["items"].push_back(MakeIngress(ingress, manifests));
    if (autoscale.enabled) list["items"].push_back(MakeAutoscaler(autoscale, manifests));
    std::cout << list.dump(2) << "\n";
    return kStepSucceeded;
  }
  if (spec.image.find("@sha256:") == std::string::npos) {
    std::cout << "note: image " << spec.image
              << " is named by tag; a digest (docker.push's ref "
                 "output) pins exactly what was tested\n";
  }
  KubeConfig config;
  if (!Connect(context, &config)) return kStepFailedFinal;
  K8sClient client(config);
  return ApplyAndFollow(client, context, manifests);
}

}  // namespace

int RunK8sDeploy(const StepContext& context) {
  // An answer of an unexpected shape must not abort the process: the log
  // says so and the step fails.
  try {
    return Deploy(context);
  } catch (const std::exception& e) {
    std::cout << "k8s.deploy: unexpected answer from the Kubernetes API: " << e.what() << "\n";
    return kStepFailed;
  }
}

}  // namespace tame
