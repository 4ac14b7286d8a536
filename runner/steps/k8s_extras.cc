#include "runner/steps/k8s_extras.h"

#include <cctype>

#include "runner/steps/step.h"
#include "runner/url.h"

namespace tame {
namespace {

constexpr char kManagedBy[] = "app.kubernetes.io/managed-by";

std::string Quoted(const std::string& text) { return "\"" + text + "\""; }

std::string NameOf(const Json& object) { return object["metadata"].value("name", ""); }
std::string NamespaceOf(const Json& object) { return object["metadata"].value("namespace", ""); }

Json Labels(const Manifests& manifests) {
  return Json{{kNameLabel, NameOf(manifests.deployment)}, {kManagedBy, "tame"}};
}

const Json* FindPath(const Json& object, std::initializer_list<const char*> keys) {
  const Json* at = &object;
  for (const char* key : keys) {
    if (!at->is_object() || !at->contains(key)) return nullptr;
    at = &(*at)[key];
  }
  return at;
}

// The first port of the first Service: its number, 80 when there is none.
int64_t ServicePort(const Manifests& manifests) {
  if (manifests.services.empty()) return 80;
  const Json* ports = FindPath(manifests.services[0], {"spec", "ports"});
  if (ports == nullptr || !ports->is_array() || ports->empty()) return 80;
  const Json& port = (*ports)[0];
  return port.is_object() && port.contains("port") && port["port"].is_number_integer()
             ? port["port"].get<int64_t>()
             : 80;
}

std::string ServiceName(const Manifests& manifests) {
  return manifests.services.empty() ? NameOf(manifests.deployment) : NameOf(manifests.services[0]);
}

// Server-side applies one object; on failure says why.
bool ApplyOne(K8sClient& client, const Json& object, const std::string& path, std::ostream& log,
              int* failure) {
  K8sResponse response = client.Send("PATCH", path + "?fieldManager=tame&force=true",
                                     "application/apply-patch+yaml", object.dump());
  if (response.ok()) return true;
  log << client.Explain(response, "apply " + object.value("kind", "") + " " +
                                      Quoted(NameOf(object)) + " in namespace " +
                                      Quoted(NamespaceOf(object)))
      << "\n";
  *failure = K8sClient::Transient(response) ? kStepFailed : kStepFailedFinal;
  return false;
}

// Deletes tame's object at `path` when one is there; leaves an object
// that tame did not make alone.
bool DeleteIfOurs(K8sClient& client, const std::string& kind, const std::string& path,
                  const std::string& shown, std::ostream& log, int* failure) {
  K8sResponse live = client.Send("GET", path);
  if (live.status == 404) return true;
  if (!live.ok()) {
    log << client.Explain(live, "read " + kind + " " + shown) << "\n";
    *failure = K8sClient::Transient(live) ? kStepFailed : kStepFailedFinal;
    return false;
  }
  const Json* by = FindPath(live.json, {"metadata", "labels", kManagedBy});
  if (by == nullptr || !by->is_string() || by->get<std::string>() != "tame") {
    log << "note: " << kind << " " << shown
        << " was not made by tame (no app.kubernetes.io/managed-by: tame label); left alone\n";
    return true;
  }
  K8sResponse gone = client.Send("DELETE", path);
  if (!gone.ok() && gone.status != 404) {
    log << client.Explain(gone, "delete " + kind + " " + shown) << "\n";
    *failure = K8sClient::Transient(gone) ? kStepFailed : kStepFailedFinal;
    return false;
  }
  log << kind << " " << shown << " deleted: the step no longer asks for it\n";
  return true;
}

Json MatchLabels(const Json& deployment) {
  const Json* labels = FindPath(deployment, {"spec", "selector", "matchLabels"});
  return labels != nullptr && labels->is_object() ? *labels : Json::object();
}

std::string LabelText(const Json& labels) {
  std::string text;
  for (const auto& [key, value] : labels.items()) {
    text += (text.empty() ? "" : ",") + key + "=" +
            (value.is_string() ? value.get<std::string>() : value.dump());
  }
  return text;
}

// Gives the pod template each label of `labels` as well.
void AddPodLabels(const Json& labels, Json* deployment) {
  Json& pod_labels = (*deployment)["spec"]["template"]["metadata"]["labels"];
  if (!pod_labels.is_object()) pod_labels = Json::object();
  for (const auto& [key, value] : labels.items()) pod_labels[key] = value;
}

}  // namespace

void ReadExtras(const Json& params, IngressSpec* ingress, AutoscaleSpec* autoscale) {
  auto text = [](const Json& object, const char* key, const std::string& fallback) {
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
  };
  auto number = [](const Json& object, const char* key, int64_t fallback) {
    auto it = object.find(key);
    return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
  };
  auto in = params.find("ingress");
  if (in != params.end() && in->is_object()) {
    ingress->enabled = true;
    ingress->host = text(*in, "host", "");
    ingress->path = text(*in, "path", "/");
    if (ingress->path.empty() || ingress->path[0] != '/') ingress->path = "/" + ingress->path;
    ingress->class_name = text(*in, "class", "");
    ingress->tls_secret = text(*in, "tls_secret", "");
  }
  auto as = params.find("autoscale");
  if (as != params.end() && as->is_object()) {
    autoscale->enabled = true;
    autoscale->min = number(*as, "min", 1);
    autoscale->max = number(*as, "max", autoscale->min);
    autoscale->cpu = number(*as, "cpu", 80);
  }
}

std::string IngressPath(const std::string& ns, const std::string& name) {
  return "/apis/networking.k8s.io/v1/namespaces/" + PercentEncode(ns) + "/ingresses/" +
         PercentEncode(name);
}

std::string AutoscalerPath(const std::string& ns, const std::string& name) {
  return "/apis/autoscaling/v2/namespaces/" + PercentEncode(ns) + "/horizontalpodautoscalers/" +
         PercentEncode(name);
}

Json MakeIngress(const IngressSpec& ingress, const Manifests& manifests) {
  Json backend{
      {"service",
       {{"name", ServiceName(manifests)}, {"port", {{"number", ServicePort(manifests)}}}}}};
  Json spec{{"rules", Json::array({{{"host", ingress.host},
                                    {"http",
                                     {{"paths", Json::array({{{"path", ingress.path},
                                                              {"pathType", "Prefix"},
                                                              {"backend", backend}}})}}}}})}};
  if (!ingress.class_name.empty()) spec["ingressClassName"] = ingress.class_name;
  if (!ingress.tls_secret.empty()) {
    spec["tls"] =
        Json::array({{{"hosts", Json::array({ingress.host})}, {"secretName", ingress.tls_secret}}});
  }
  return Json{{"apiVersion", "networking.k8s.io/v1"},
              {"kind", "Ingress"},
              {"metadata",
               {{"name", NameOf(manifests.deployment)},
                {"namespace", NamespaceOf(manifests.deployment)},
                {"labels", Labels(manifests)}}},
              {"spec", spec}};
}

Json MakeAutoscaler(const AutoscaleSpec& autoscale, const Manifests& manifests) {
  return Json{{"apiVersion", "autoscaling/v2"},
              {"kind", "HorizontalPodAutoscaler"},
              {"metadata",
               {{"name", NameOf(manifests.deployment)},
                {"namespace", NamespaceOf(manifests.deployment)},
                {"labels", Labels(manifests)}}},
              {"spec",
               {{"scaleTargetRef",
                 {{"apiVersion", "apps/v1"},
                  {"kind", "Deployment"},
                  {"name", NameOf(manifests.deployment)}}},
                {"minReplicas", autoscale.min},
                {"maxReplicas", autoscale.max},
                {"metrics", Json::array({{{"type", "Resource"},
                                          {"resource",
                                           {{"name", "cpu"},
                                            {"target",
                                             {{"type", "Utilization"},
                                              {"averageUtilization", autoscale.cpu}}}}}}})}}}};
}

std::string ServiceUrl(const IngressSpec& ingress, const Manifests& manifests) {
  if (ingress.enabled) {
    return (ingress.tls_secret.empty() ? "http://" : "https://") + ingress.host + ingress.path;
  }
  return "http://" + ServiceName(manifests) + "." + NamespaceOf(manifests.deployment) +
         ".svc:" + std::to_string(ServicePort(manifests));
}

bool ApplyExtras(K8sClient& client, const IngressSpec& ingress, const AutoscaleSpec& autoscale,
                 const Manifests& manifests, std::ostream& log, int* failure) {
  const std::string name = NameOf(manifests.deployment);
  const std::string ns = NamespaceOf(manifests.deployment);
  const std::string shown = Quoted(name) + " in namespace " + Quoted(ns);
  if (ingress.enabled) {
    if (!ApplyOne(client, MakeIngress(ingress, manifests), IngressPath(ns, name), log, failure)) {
      return false;
    }
    log << "ingress.networking.k8s.io/" << name << " applied (" << ingress.host << ingress.path
        << ")\n";
  } else if (!DeleteIfOurs(client, "ingress", IngressPath(ns, name), shown, log, failure)) {
    return false;
  }
  if (autoscale.enabled) {
    if (!ApplyOne(client, MakeAutoscaler(autoscale, manifests), AutoscalerPath(ns, name), log,
                  failure)) {
      return false;
    }
    log << "horizontalpodautoscaler.autoscaling/" << name << " applied (" << autoscale.min << " to "
        << autoscale.max << " pods at " << autoscale.cpu << "% CPU)\n";
  } else if (!DeleteIfOurs(client, "horizontalpodautoscaler", AutoscalerPath(ns, name), shown, log,
                           failure)) {
    return false;
  }
  return true;
}

bool Adopt(const Json& live_deployment, const Json& live_service, Manifests* manifests,
           std::ostream& log, std::string* error) {
  Json& deployment = manifests->deployment;
  const std::string name = NameOf(deployment);
  if (live_deployment.is_object()) {
    const Json* selector = FindPath(live_deployment, {"spec", "selector"});
    const Json wanted = FindPath(deployment, {"spec", "selector"}) != nullptr
                            ? deployment["spec"]["selector"]
                            : Json();
    if (selector != nullptr && *selector != wanted) {
      if (selector->contains("matchExpressions") || MatchLabels(live_deployment).empty()) {
        *error = "deployment " + Quoted(name) +
                 " exists with a selector of matchExpressions, which tame cannot adopt (the "
                 "API refuses to change a selector): delete it (`kubectl delete deployment " +
                 name + "`) or deploy under another name";
        return false;
      }
      const Json live_labels = MatchLabels(live_deployment);
      deployment["spec"]["selector"] = *selector;
      AddPodLabels(live_labels, &deployment);
      log << "adopting deployment " << Quoted(name) << ": it keeps its selector "
          << LabelText(live_labels) << " (the API refuses to change one), and its pods get "
          << "those labels as well as tame's\n";
      for (Json& service : manifests->services) {
        service["spec"]["selector"] = live_labels;
      }
    }
  }
  if (live_service.is_object() && !manifests->services.empty()) {
    const Json* selector = FindPath(live_service, {"spec", "selector"});
    Json& ours = manifests->services[0]["spec"]["selector"];
    // Server-side apply merges selector keys that another manager owns,
    // so the pods must carry the live selector's labels too; the name key
    // is always tame's own value after the apply (a blue-green release
    // leaves another name there).
    Json kept = selector != nullptr && selector->is_object() ? *selector : Json();
    if (kept.is_object() && ours.is_object() && ours.contains(kNameLabel)) kept.erase(kNameLabel);
    if (kept.is_object() && !kept.empty() && *selector != ours) {
      AddPodLabels(kept, &deployment);
      log << "adopting service " << Quoted(NameOf(manifests->services[0])) << ": its selector "
          << LabelText(*selector) << " keeps selecting the pods, which get those labels\n";
    }
  }
  return true;
}

}  // namespace tame
