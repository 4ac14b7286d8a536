// The canary and blue-green releases of k8s.deploy (see k8s_release.h).
//
// Both follow one shape: put the new version beside the serving one, start
// the analysis, wait (each wait also watches the analysis and the signals),
// then promote, or abort so that the version that served before serves on.
#include "runner/steps/k8s_release.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "core/analysis.h"
#include "core/duration.h"
#include "runner/steps/http_check.h"
#include "runner/steps/k8s_analysis.h"
#include "runner/steps/k8s_rollout.h"

namespace tame {
namespace {

constexpr int64_t kPollMs = 100;

std::atomic<int> g_signal{0};
void OnSignal(int sig) { g_signal = sig; }

// One line of the log, written at once when the statement ends, so that
// the analysis thread's lines never cut into it.
class Line {
 public:
  ~Line() { std::cout << text_.str() << std::flush; }
  template <typename T>
  Line& operator<<(const T& value) {
    text_ << value;
    return *this;
  }

 private:
  std::ostringstream text_;
};

std::string Quoted(const std::string& text) { return "\"" + text + "\""; }
std::string NameOf(const Json& object) { return object["metadata"].value("name", ""); }

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string FirstImage(const Json& deployment) {
  const Json* containers = nullptr;
  if (deployment.contains("spec") && deployment["spec"].contains("template") &&
      deployment["spec"]["template"].contains("spec")) {
    auto it = deployment["spec"]["template"]["spec"].find("containers");
    if (it != deployment["spec"]["template"]["spec"].end()) containers = &*it;
  }
  if (containers == nullptr || !containers->is_array() || containers->empty() ||
      !(*containers)[0].is_object()) {
    return "";
  }
  return (*containers)[0].value("image", "");
}

Json MatchLabelsOf(const Json& deployment) {
  if (deployment.is_object() && deployment.contains("spec") &&
      deployment["spec"].contains("selector") &&
      deployment["spec"]["selector"].contains("matchLabels") &&
      deployment["spec"]["selector"]["matchLabels"].is_object()) {
    return deployment["spec"]["selector"]["matchLabels"];
  }
  return Json::object();
}

// Why a wait ended.
enum class Ended { kDone, kFailed, kAborted, kInterrupted };

// Everything one release works with.
struct Release {
  Release(K8sClient& c, const StepContext& ctx, const Manifests& m, const IngressSpec& i,
          const AutoscaleSpec& a, const Json& l)
      : client(c), context(ctx), manifests(m), ingress(i), autoscale(a), live(l) {}

  K8sClient& client;
  const StepContext& context;
  Manifests manifests;  // the new version, as the stable Deployment would run it
  IngressSpec ingress;
  AutoscaleSpec autoscale;
  Json live;  // the live stable Deployment, null when none
  std::string name, ns;
  int total = 1;
  int64_t rollout_timeout_ms = 300000;
  bool has_analysis = false;
  Analysis analysis;
  std::unique_ptr<AnalysisRun> run;
  std::string why;  // why the last wait did not end in kDone
};

bool Apply(Release& r, const Json& object, const std::string& path) {
  K8sResponse response = r.client.Send("PATCH", path + "?fieldManager=tame&force=true",
                                       "application/apply-patch+yaml", object.dump());
  if (response.ok()) return true;
  Line() << r.client.Explain(response, "apply " + object.value("kind", "") + " " +
                                           Quoted(NameOf(object)) + " in namespace " + Quoted(r.ns))
         << "\n";
  return false;
}

bool Delete(Release& r, const std::string& path, const std::string& what) {
  K8sResponse response = r.client.Send("DELETE", path);
  if (response.ok() || response.status == 404) return true;
  Line() << r.client.Explain(response, "delete " + what) << "\n";
  return false;
}

// Checks the signals and the analysis; sets r.why when the release must stop.
Ended Interruption(Release& r) {
  if (g_signal != 0) {
    r.why = std::string("interrupted by ") + (g_signal == SIGINT ? "SIGINT" : "SIGTERM");
    return Ended::kInterrupted;
  }
  if (r.run != nullptr && r.run->Aborted()) {
    r.why = r.run->Wait().reason;
    return Ended::kAborted;
  }
  return Ended::kDone;
}

// Sleeps `ms`, watching the signals and the analysis.
Ended Pause(Release& r, int64_t ms) {
  const int64_t until = SteadyMs() + ms;
  for (;;) {
    Ended e = Interruption(r);
    if (e != Ended::kDone) return e;
    int64_t left = until - SteadyMs();
    if (left <= 0) return Ended::kDone;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(left, kPollMs)));
  }
}

// Follows a Deployment's rollout as WaitForRollout does, watching the
// signals and the analysis meanwhile.
Ended WaitReady(Release& r, const std::string& name) {
  const int64_t until = SteadyMs() + r.rollout_timeout_ms;
  std::string last;
  for (;;) {
    Ended e = Interruption(r);
    if (e != Ended::kDone) return e;
    K8sResponse response = r.client.Send("GET", DeploymentPath(r.ns, name));
    if (response.ok()) {
      RolloutVerdict verdict = JudgeRollout(response.json);
      if (!verdict.line.empty() && verdict.line != last) Line() << verdict.line << "\n";
      last = verdict.line;
      if (verdict.done) return Ended::kDone;
      if (verdict.failed) {
        r.why = "the rollout of deployment " + Quoted(name) + " failed: " + verdict.line;
        return Ended::kFailed;
      }
    } else if (!K8sClient::Transient(response)) {
      r.why = r.client.Explain(response, "read Deployment " + Quoted(name));
      return Ended::kFailed;
    }
    if (SteadyMs() >= until) {
      r.why = "deployment " + Quoted(name) + " was not ready within " +
              r.context.String("rollout_timeout");
      return Ended::kFailed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs * 2));
  }
}

// Waits for the analysis to finish (when there is one).
Ended WaitAnalysis(Release& r) {
  if (r.run == nullptr) return Ended::kDone;
  Line() << "waiting for the analysis to finish\n";
  for (;;) {
    Ended e = Interruption(r);
    if (e != Ended::kDone) return e;
    if (r.run->Done()) {
      Line() << "analysis passed\n";
      return Ended::kDone;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
  }
}

void StartAnalysis(Release& r) {
  if (!r.has_analysis) return;
  const std::string prometheus = r.analysis.prometheus;
  std::string token;
  if (auto it = r.context.params.find("analysis");
      it != r.context.params.end() && it->is_object()) {
    token = it->value("token", "");
  }
  Line() << "analysis: " << r.analysis.count << " measurements of " << r.analysis.metrics.size()
         << " metric(s), one every " << FormatDuration(r.analysis.interval_ms) << ", failure limit "
         << r.analysis.failure_limit << "\n";
  r.run = std::make_unique<AnalysisRun>(
      r.analysis,
      [prometheus, token](const AnalysisMetric& metric) {
        return FetchMetric(prometheus, token, metric);
      },
      std::cout);
  r.run->Start();
}

// Hands every measurement to the report.
void Report(Release& r) {
  if (r.run == nullptr) return;
  r.run->Stop();
  r.context.Details(Json{{"analysis", MeasurementsJson(r.run->Measurements())}});
}

// Labels a copy of `deployment` as one version of the release: its pods
// carry `selector_name` as app.kubernetes.io/name, the release label and
// `track`; labels that `other` selects are taken off its pods so that
// neither Deployment selects the other's pods.
Json Version(const Release& r, Json deployment, const std::string& object_name,
             const std::string& selector_name, const std::string& track, const Json& other) {
  deployment["metadata"]["name"] = object_name;
  Json& labels = deployment["spec"]["template"]["metadata"]["labels"];
  if (!labels.is_object()) labels = Json::object();
  const Json selected = MatchLabelsOf(other);
  for (const auto& [key, value] : selected.items()) labels.erase(key);
  labels[kNameLabel] = selector_name;
  labels[kReleaseLabel] = r.name;
  if (!track.empty()) labels[kTrackLabel] = track;
  if (selector_name != r.name) {
    deployment["spec"]["selector"] = {{"matchLabels", {{kNameLabel, selector_name}}}};
  }
  return deployment;
}

// The `revision` output: the serving Deployment's revision.
void OutputRevision(Release& r, const std::string& name) {
  K8sResponse now = r.client.Send("GET", DeploymentPath(r.ns, name));
  if (now.ok() && !RevisionOf(now.json).empty()) {
    r.context.Output("revision", RevisionOf(now.json));
  }
}

bool Check(const StepContext& context) {
  HttpCheckOptions options;
  options.url = context.String("check_url");
  options.expect_status = 0;
  options.contains = context.String("check_contains");
  options.retries = static_cast<int>(std::max<int64_t>(0, context.Integer("check_retries", 5)));
  Line() << "checking " << options.url << "\n";
  HttpCheckResult result = RunHttpCheckLoop(options, std::cout);
  if (!result.passed) Line() << "the check after the promotion failed\n";
  return result.passed;
}

// ---- Canary ------------------------------------------------------------------

struct CanaryStep {
  int weight = 100;
  int64_t pause_ms = 0;
};

bool ReadSteps(const Json& params, std::vector<CanaryStep>* steps) {
  auto it = params.find("canary_steps");
  if (it == params.end() || !it->is_array() || it->empty()) {
    Line() << "k8s.deploy: strategy \"canary\" needs param \"canary_steps\"\n";
    return false;
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& s = (*it)[i];
    CanaryStep step;
    if (!s.is_object() || !s.contains("weight") || !s["weight"].is_number_integer()) {
      Line() << "k8s.deploy: canary_steps[" << i << "].weight must be a number\n";
      return false;
    }
    step.weight = s["weight"].get<int>();
    std::string error;
    if (s.contains("pause") && s["pause"].is_string() &&
        !ParseDuration(s["pause"].get<std::string>(), &step.pause_ms, &error)) {
      Line() << "k8s.deploy: canary_steps[" << i << "].pause: " << error << "\n";
      return false;
    }
    steps->push_back(step);
  }
  return true;
}

// Puts the stable back at every pod and removes the canary.
int AbortCanary(Release& r, const Json& stable, Ended why) {
  Line() << (why == Ended::kInterrupted ? "release interrupted: " : "release aborted: ") << r.why
         << "\n";
  if (r.run != nullptr) r.run->Stop();
  Json back = stable;
  back["spec"]["replicas"] = r.total;
  bool ok = Apply(r, back, DeploymentPath(r.ns, r.name));
  ok = Delete(r, DeploymentPath(r.ns, r.name + "-canary"),
              "Deployment " + Quoted(r.name + "-canary")) &&
       ok;
  if (ok) {
    Line() << "canary removed: deployment " << Quoted(r.name) << " serves " << FirstImage(stable)
           << " on " << r.total << " pod(s), as before\n";
  }
  Report(r);
  return kStepFailed;
}

int RunCanary(Release& r) {
  std::vector<CanaryStep> steps;
  if (!ReadSteps(r.context.params, &steps)) return kStepFailedFinal;
  const Json& deployment = r.manifests.deployment;
  const std::string canary_name = r.name + "-canary";
  Json promoted = Version(r, deployment, r.name, r.name, "stable", Json());
  promoted["spec"]["replicas"] = r.total;
  Json service_selector = {{kReleaseLabel, r.name}};
  for (Json& service : r.manifests.services) service["spec"]["selector"] = service_selector;

  // Nothing to compare with: no stable version, or it runs this image already.
  const bool fresh = !r.live.is_object() || FirstImage(r.live) == FirstImage(promoted);
  Json stable = promoted;
  if (!fresh) {
    stable["spec"]["template"] = r.live["spec"]["template"];
    stable = Version(r, stable, r.name, r.name, "stable", Json());
    stable["spec"]["replicas"] = r.total;
    if (stable["spec"]["template"] != r.live["spec"]["template"]) {
      Line() << "deployment " << Quoted(r.name) << " gets the labels " << kReleaseLabel << " and "
             << kTrackLabel << " on its pods (same image, " << FirstImage(r.live)
             << "), so that the Service selects both versions\n";
    }
  }
  Ended e = Ended::kDone;
  if (!Apply(r, stable, DeploymentPath(r.ns, r.name))) return kStepFailed;
  if ((e = WaitReady(r, r.name)) != Ended::kDone) {
    Line() << r.why << "\n";
    return kStepFailed;
  }
  for (const Json& service : r.manifests.services) {
    if (!Apply(r, service, ServicePath(r.ns, NameOf(service)))) return kStepFailed;
    Line() << "service/" << NameOf(service) << " applied (selects " << kReleaseLabel << "="
           << r.name << ": the stable and the canary pods)\n";
  }
  int failure = kStepFailed;
  if (!ApplyExtras(r.client, r.ingress, r.autoscale, r.manifests, std::cout, &failure)) {
    return failure;
  }
  r.context.Output("url", ServiceUrl(r.ingress, r.manifests));
  if (fresh) {
    // A canary that an interrupted promotion left behind goes too.
    if (!Delete(r, DeploymentPath(r.ns, canary_name), "Deployment " + Quoted(canary_name))) {
      return kStepFailed;
    }
    Line() << (r.live.is_object()
                   ? "deployment " + Quoted(r.name) + " runs " + FirstImage(promoted) + " already"
                   : "no stable version of " + Quoted(r.name) + " runs yet")
           << ": " << FirstImage(promoted) << " is the stable version without canary steps\n";
    OutputRevision(r, r.name);
    return kStepSucceeded;
  }
  // A canary left by an interrupted run starts again from its first step.
  StartAnalysis(r);
  Json canary = Version(r, deployment, canary_name, canary_name, "canary", stable);
  canary["metadata"]["labels"][kNameLabel] = canary_name;
  for (size_t i = 0; i < steps.size(); ++i) {
    PodSplit split = SplitPods(steps[i].weight, r.total);
    Line() << "step " << (i + 1) << "/" << steps.size() << ": "
           << DescribeSplit(steps[i].weight, split) << "\n";
    canary["spec"]["replicas"] = split.canary;
    if (!Apply(r, canary, DeploymentPath(r.ns, canary_name))) {
      r.why = "the canary could not be applied";
      return AbortCanary(r, stable, Ended::kFailed);
    }
    if ((e = WaitReady(r, canary_name)) != Ended::kDone) return AbortCanary(r, stable, e);
    Json scaled = stable;
    scaled["spec"]["replicas"] = split.stable;
    if (!Apply(r, scaled, DeploymentPath(r.ns, r.name))) {
      r.why = "the stable version could not be scaled";
      return AbortCanary(r, stable, Ended::kFailed);
    }
    if ((e = Pause(r, steps[i].pause_ms)) != Ended::kDone) return AbortCanary(r, stable, e);
  }
  if ((e = WaitAnalysis(r)) != Ended::kDone) return AbortCanary(r, stable, e);
  Line() << "promoting: deployment " << Quoted(r.name) << " takes " << FirstImage(promoted)
         << " on " << r.total << " pod(s)\n";
  if (!Apply(r, promoted, DeploymentPath(r.ns, r.name))) {
    r.why = "the promotion could not be applied";
    return AbortCanary(r, stable, Ended::kFailed);
  }
  if ((e = WaitReady(r, r.name)) != Ended::kDone) return AbortCanary(r, stable, e);
  if (!Delete(r, DeploymentPath(r.ns, canary_name), "Deployment " + Quoted(canary_name))) {
    Report(r);
    return kStepFailed;
  }
  Line() << "promoted: the canary is removed and deployment " << Quoted(r.name) << " runs "
         << FirstImage(promoted) << "\n";
  if (!r.context.String("check_url").empty() && !Check(r.context)) {
    r.why = "the check after the promotion failed";
    return AbortCanary(r, stable, Ended::kFailed);
  }
  Report(r);
  OutputRevision(r, r.name);
  return kStepSucceeded;
}

// ---- Blue-green --------------------------------------------------------------

bool Switch(Release& r, const std::string& to) {
  for (Json service : r.manifests.services) {
    service["spec"]["selector"] = {{kNameLabel, to}};
    if (!Apply(r, service, ServicePath(r.ns, NameOf(service)))) return false;
    Line() << "service/" << NameOf(service) << " selects deployment " << Quoted(to) << "\n";
  }
  if (r.autoscale.enabled) {
    Json hpa = MakeAutoscaler(r.autoscale, r.manifests);
    hpa["spec"]["scaleTargetRef"]["name"] = to;
    if (!Apply(r, hpa, AutoscalerPath(r.ns, r.name))) return false;
    Line() << "horizontalpodautoscaler.autoscaling/" << r.name << " scales " << Quoted(to) << "\n";
  }
  return true;
}

int AbortBlueGreen(Release& r, const std::string& green, const std::string& active, bool switched,
                   Ended why) {
  Line() << (why == Ended::kInterrupted ? "release interrupted: " : "release aborted: ") << r.why
         << "\n";
  if (r.run != nullptr) r.run->Stop();
  bool ok = true;
  if (switched && !active.empty()) {
    ok = Switch(r, active);
    if (ok) Line() << "switched back to deployment " << Quoted(active) << "\n";
  }
  if (ok && Delete(r, DeploymentPath(r.ns, green), "Deployment " + Quoted(green))) {
    Line() << "deployment " << Quoted(green) << " removed"
           << (active.empty() ? "" : "; " + Quoted(active) + " serves as before") << "\n";
  }
  Report(r);
  return kStepFailed;
}

int RunBlueGreen(Release& r) {
  // The serving Deployment is the one the live Service selects by name.
  std::string active = r.live.is_object() ? r.name : "";
  if (!r.manifests.services.empty()) {
    K8sResponse response = r.client.Send("GET", ServicePath(r.ns, NameOf(r.manifests.services[0])));
    if (response.ok() && response.json.contains("spec") &&
        response.json["spec"].contains("selector") &&
        response.json["spec"]["selector"].is_object()) {
      const std::string selected = response.json["spec"]["selector"].value(kNameLabel, "");
      if (!selected.empty()) active = selected;
    }
  }
  Json active_live;
  if (!active.empty()) {
    K8sResponse response = r.client.Send("GET", DeploymentPath(r.ns, active));
    if (response.ok()) {
      active_live = response.json;
    } else {
      active.clear();
    }
  }
  const std::string green = BlueGreenName(r.name, r.manifests.deployment["spec"]["template"]);
  if (green == active) {
    Line() << "deployment " << Quoted(green) << " already serves this pod template\n";
    return kStepSucceeded;
  }
  Json next = Version(r, r.manifests.deployment, green, green, "", active_live);
  next["spec"]["replicas"] = r.total;
  if (active_live.is_object() && r.autoscale.enabled && active_live["spec"].contains("replicas")) {
    next["spec"]["replicas"] = active_live["spec"]["replicas"];
  }
  Line() << "blue-green: deployment " << Quoted(green) << " starts beside "
         << (active.empty() ? std::string("nothing (no version serves yet)") : Quoted(active))
         << "\n";
  if (!Apply(r, next, DeploymentPath(r.ns, green))) return kStepFailed;
  Ended e = WaitReady(r, green);
  if (e == Ended::kDone) {
    StartAnalysis(r);
    e = WaitAnalysis(r);
  }
  if (e != Ended::kDone) return AbortBlueGreen(r, green, active, false, e);
  if (r.ingress.enabled) {
    if (!Apply(r, MakeIngress(r.ingress, r.manifests), IngressPath(r.ns, r.name))) {
      return kStepFailed;
    }
  }
  r.context.Output("url", ServiceUrl(r.ingress, r.manifests));
  if (!Switch(r, green)) {
    r.why = "the switch to " + Quoted(green) + " failed";
    return AbortBlueGreen(r, green, active, true, Ended::kFailed);
  }
  if (!r.context.String("check_url").empty() && !Check(r.context)) {
    r.why = "the check after the switch failed";
    return AbortBlueGreen(r, green, active, true, Ended::kFailed);
  }
  if (!active.empty()) {
    const int64_t delay = r.context.DurationMs("scale_down_delay", 30000);
    Line() << "keeping deployment " << Quoted(active) << " for " << FormatDuration(delay) << "\n";
    Report(r);
    r.run.reset();  // the analysis is over: only signals end the delay early
    if ((e = Pause(r, delay)) != Ended::kDone) {
      return AbortBlueGreen(r, green, active, true, e);
    }
    if (!Delete(r, DeploymentPath(r.ns, active), "Deployment " + Quoted(active))) {
      return kStepFailed;
    }
    Line() << "deployment " << Quoted(active) << " removed\n";
  }
  Line() << "promoted: deployment " << Quoted(green) << " serves " << FirstImage(next) << "\n";
  OutputRevision(r, green);
  return kStepSucceeded;
}

}  // namespace

std::string BlueGreenName(const std::string& name, const Json& pod_template) {
  // Without the name label, which says which Deployment runs the template.
  Json hashed = pod_template;
  if (hashed.contains("metadata") && hashed["metadata"].contains("labels") &&
      hashed["metadata"]["labels"].is_object()) {
    hashed["metadata"]["labels"].erase(kNameLabel);
  }
  uint32_t hash = 2166136261u;
  for (unsigned char c : hashed.dump()) {
    hash ^= c;
    hash *= 16777619u;
  }
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", hash);
  return name + "-" + hex;
}

int RunRelease(K8sClient& client, const StepContext& context, const Manifests& manifests,
               const IngressSpec& ingress, const AutoscaleSpec& autoscale, const Json& live) {
  Release r(client, context, manifests, ingress, autoscale, live);
  r.name = NameOf(manifests.deployment);
  r.ns = manifests.deployment["metadata"].value("namespace", "default");
  r.rollout_timeout_ms = context.DurationMs("rollout_timeout", 300000);
  const Json& replicas = manifests.deployment["spec"]["replicas"];
  r.total = replicas.is_number_integer() ? std::max(1, replicas.get<int>()) : 1;
  if (auto it = context.params.find("analysis"); it != context.params.end() && it->is_object()) {
    std::string error;
    if (!ReadAnalysis(*it, &r.analysis, &error)) {
      Line() << "k8s.deploy: " << error << "\n";
      return kStepFailedFinal;
    }
    r.has_analysis = true;
  }
  // From here on a signal aborts the release instead of ending the process.
  struct sigaction action = {};
  action.sa_handler = OnSignal;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  const std::string strategy = context.String("strategy");
  int status = strategy == "canary" ? RunCanary(r) : RunBlueGreen(r);
  if (status == kStepSucceeded) Report(r);
  return status;
}

}  // namespace tame
