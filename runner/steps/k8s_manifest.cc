#include "runner/steps/k8s_manifest.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace tame {
namespace {

constexpr int kMaxDepth = 100;

bool OneOf(const std::string& text, std::initializer_list<const char*> words) {
  for (const char* word : words) {
    if (text == word) return true;
  }
  return false;
}

// An integer as go-yaml v2 (and so kubectl) reads a plain scalar:
// strconv.ParseInt(s, 0, 64) after dropping '_': 0x hex, leading-0 octal,
// 0b binary, decimal.
bool ParseYamlInt(std::string text, int64_t* out) {
  std::string digits;
  for (char c : text) {
    if (c != '_') digits += c;
  }
  if (digits.empty()) return false;
  size_t start = (digits[0] == '-' || digits[0] == '+') ? 1 : 0;
  if (start == digits.size()) return false;
  int base = 10;
  size_t first = start;
  if (digits.size() > start + 1 && digits[start] == '0') {
    char marker = digits[start + 1];
    if (marker == 'x' || marker == 'X') {
      base = 16, first = start + 2;
    } else if (marker == 'b' || marker == 'B') {
      base = 2, first = start + 2;
    } else if (marker == 'o' || marker == 'O') {
      base = 8, first = start + 2;
    } else {
      base = 8, first = start + 1;
    }
  }
  if (first >= digits.size()) return false;
  for (size_t i = first; i < digits.size(); ++i) {
    char c = digits[i];
    int value = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
                : (c >= 'A' && c <= 'F')                    ? c - 'A' + 10
                                                            : 99;
    if (value >= base) return false;
  }
  errno = 0;
  char* end = nullptr;
  long long value = std::strtoll(digits.c_str() + first, &end, base);
  if (errno != 0 || *end != '\0') return false;
  *out = digits[0] == '-' ? -value : value;
  return true;
}

bool ParseYamlFloat(const std::string& text, double* out) {
  if (OneOf(text, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) {
    *out = HUGE_VAL;
    return true;
  }
  if (OneOf(text, {"-.inf", "-.Inf", "-.INF"})) {
    *out = -HUGE_VAL;
    return true;
  }
  if (OneOf(text, {".nan", ".NaN", ".NAN"})) {
    *out = NAN;
    return true;
  }
  // Only decimal notation: strtod would also take "0x1p3", "inf", "nan".
  if (text.find_first_not_of("0123456789+-.eE") != std::string::npos) return false;
  if (text.find_first_of("0123456789") == std::string::npos) return false;
  char* end = nullptr;
  *out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

// A plain (unquoted, untagged) scalar as Kubernetes' YAML reader types it.
Json PlainScalar(const std::string& text) {
  if (OneOf(text, {"", "~", "null", "Null", "NULL"})) return nullptr;
  if (OneOf(text, {"true", "True", "TRUE", "y", "Y", "yes", "Yes", "YES", "on", "On", "ON"})) {
    return true;
  }
  if (OneOf(text, {"false", "False", "FALSE", "n", "N", "no", "No", "NO", "off", "Off", "OFF"})) {
    return false;
  }
  int64_t integer = 0;
  if (ParseYamlInt(text, &integer)) return integer;
  double number = 0;
  if (ParseYamlFloat(text, &number) && std::isfinite(number)) {
    // Kubernetes' reader turns YAML into JSON with Go's encoder, which
    // writes a whole float as an integer ("8.0" is sent as 8).
    if (number == std::floor(number) && std::fabs(number) < 9007199254740992.0) {
      return static_cast<int64_t>(number);
    }
    return number;
  }
  return text;
}

bool ToJson(const YAML::Node& node, int depth, Json* out, std::string* error) {
  if (depth > kMaxDepth) {
    *error = "line " + std::to_string(node.Mark().line + 1) + ": nested deeper than " +
             std::to_string(kMaxDepth) + " levels";
    return false;
  }
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      *out = nullptr;
      return true;
    case YAML::NodeType::Scalar: {
      const std::string& tag = node.Tag();
      if (tag == "!" || tag == "tag:yaml.org,2002:str" || tag == "tag:yaml.org,2002:binary") {
        *out = node.Scalar();
      } else if (tag == "?") {
        *out = PlainScalar(node.Scalar());
      } else {
        *out = PlainScalar(node.Scalar());  // !!int, !!bool, ... say what it looks like
      }
      return true;
    }
    case YAML::NodeType::Sequence: {
      *out = Json::array();
      for (const YAML::Node& item : node) {
        Json value;
        if (!ToJson(item, depth + 1, &value, error)) return false;
        out->push_back(std::move(value));
      }
      return true;
    }
    case YAML::NodeType::Map: {
      *out = Json::object();
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (!it->first.IsScalar()) {
          *error = "line " + std::to_string(it->first.Mark().line + 1) +
                   ": a mapping key must be plain text";
          return false;
        }
        Json value;
        if (!ToJson(it->second, depth + 1, &value, error)) return false;
        (*out)[it->first.Scalar()] = std::move(value);
      }
      return true;
    }
  }
  return true;
}

// Adds `object` to `objects`, or its items when it is a List.
bool AddObject(Json object, const std::string& where, std::vector<Json>* objects,
               std::string* error) {
  if (object.is_null()) return true;  // an empty document
  if (!object.is_object()) {
    *error = where + " is not an object";
    return false;
  }
  if (object.value("kind", "") == "List" && object.contains("items")) {
    if (!object["items"].is_array()) {
      *error = where + ": a List's items must be an array";
      return false;
    }
    for (Json& item : object["items"]) {
      if (!AddObject(std::move(item), where + " (an item of its List)", objects, error)) {
        return false;
      }
    }
    return true;
  }
  objects->push_back(std::move(object));
  return true;
}

std::string Quoted(const std::string& text) { return "\"" + text + "\""; }

}  // namespace

bool GenerateManifests(const DeploySpec& spec, Manifests* out, std::string* error) {
  Json labels = Json::object();
  for (const auto& [key, value] : spec.labels) labels[key] = value;
  labels[kNameLabel] = spec.name;
  labels["app.kubernetes.io/managed-by"] = "tame";
  Json pod_labels = labels;
  pod_labels.erase("app.kubernetes.io/managed-by");

  Json container = {
      {"name", spec.name},
      {"image", spec.image},
      {"ports",
       Json::array({{{"name", "http"}, {"containerPort", spec.port}, {"protocol", "TCP"}}})},
      {"readinessProbe", {{"tcpSocket", {{"port", "http"}}}, {"periodSeconds", 5}}},
  };
  if (!spec.env.empty()) {
    Json env = Json::array();
    for (const auto& [key, value] : spec.env) env.push_back({{"name", key}, {"value", value}});
    container["env"] = env;
  }
  if (!spec.resources.empty()) {
    Json resources = Json::object();
    for (const auto& [key, value] : spec.resources) {
      size_t dot = key.find('.');
      std::string group = key.substr(0, dot);
      if (dot == std::string::npos || dot + 1 == key.size() ||
          (group != "requests" && group != "limits")) {
        *error = "resources: key \"" + key +
                 "\" must be requests.NAME or limits.NAME, such as "
                 "requests.cpu or limits.memory";
        return false;
      }
      resources[group][key.substr(dot + 1)] = value;
    }
    container["resources"] = resources;
  }
  Json metadata = {{"name", spec.name}, {"namespace", spec.ns}, {"labels", labels}};
  Json deployment_metadata = metadata;
  if (!spec.change_cause.empty()) {
    deployment_metadata["annotations"] = {{"kubernetes.io/change-cause", spec.change_cause}};
  }
  out->deployment = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", deployment_metadata},
      {"spec",
       {{"replicas", spec.replicas},
        {"selector", {{"matchLabels", {{kNameLabel, spec.name}}}}},
        {"template",
         {{"metadata", {{"labels", pod_labels}}},
          {"spec", {{"containers", Json::array({container})}}}}}}},
  };
  out->services = {{
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", metadata},
      {"spec",
       {{"type", "ClusterIP"},
        {"selector", {{kNameLabel, spec.name}}},
        {"ports", Json::array({{{"name", "http"},
                                {"port", spec.port},
                                {"targetPort", "http"},
                                {"protocol", "TCP"}}})}}},
  }};
  return true;
}

bool ParseManifestText(const std::string& text, const std::string& display,
                       std::vector<Json>* objects, std::string* error) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (text[first] == '{' || text[first] == '[')) {
    Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!json.is_discarded()) {
      if (json.is_array()) {
        for (Json& item : json) {
          if (!AddObject(std::move(item), display + ": an item", objects, error)) return false;
        }
        return true;
      }
      return AddObject(std::move(json), display, objects, error);
    }
    // Not JSON after all: flow-style YAML is read below.
  }
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(text);
  } catch (const YAML::DeepRecursion& e) {  // its message says only "bad file"
    *error = display + ": line " + std::to_string(e.mark.line + 1) + ": nested too deeply";
    return false;
  } catch (const YAML::Exception& e) {
    *error = display + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg;
    return false;
  }
  for (size_t i = 0; i < documents.size(); ++i) {
    const std::string where =
        documents.size() == 1 ? display : display + " document " + std::to_string(i + 1);
    Json object;
    std::string why;
    if (!ToJson(documents[i], 0, &object, &why)) {
      *error = where + ": " + why;
      return false;
    }
    if (!AddObject(std::move(object), where, objects, error)) return false;
  }
  return true;
}

bool TakeManifests(const std::vector<Json>& objects, const std::string& display,
                   const DeploySpec& spec, Manifests* out, std::string* error) {
  out->deployment = nullptr;
  out->services.clear();
  for (const Json& object : objects) {
    const std::string kind = object.value("kind", "");
    const std::string api = object.value("apiVersion", "");
    const Json& metadata = object.contains("metadata") ? object["metadata"] : Json();
    std::string name = metadata.is_object() ? metadata.value("name", "") : "";
    if (!((kind == "Deployment" && api == "apps/v1") || (kind == "Service" && api == "v1"))) {
      *error = display + ": k8s.deploy applies apps/v1 Deployments and v1 Services; " +
               (name.empty() ? "an object" : Quoted(name)) + " is " +
               (kind.empty() ? "of no kind" : api + " " + kind);
      return false;
    }
    if (name.empty()) {
      *error = display + ": a " + kind + " has no metadata.name";
      return false;
    }
    Json copy = object;
    if (!copy["metadata"].contains("namespace") || !copy["metadata"]["namespace"].is_string() ||
        copy["metadata"]["namespace"].get<std::string>().empty()) {
      copy["metadata"]["namespace"] = spec.ns;
    }
    if (kind == "Service") {
      out->services.push_back(std::move(copy));
      continue;
    }
    if (!out->deployment.is_null()) {
      *error = display + ": holds two Deployments, " +
               Quoted(out->deployment["metadata"]["name"].get<std::string>()) + " and " +
               Quoted(name) + "; k8s.deploy rolls out one";
      return false;
    }
    if (name != spec.name) {
      *error = display + ": its Deployment is named " + Quoted(name) + ", but the step's name is " +
               Quoted(spec.name);
      return false;
    }
    Json* containers = nullptr;
    if (copy.contains("spec") && copy["spec"].is_object() && copy["spec"].contains("template") &&
        copy["spec"]["template"].is_object() && copy["spec"]["template"].contains("spec") &&
        copy["spec"]["template"]["spec"].is_object() &&
        copy["spec"]["template"]["spec"].contains("containers")) {
      containers = &copy["spec"]["template"]["spec"]["containers"];
    }
    if (containers == nullptr || !containers->is_array() || containers->empty()) {
      *error = display + ": Deployment " + Quoted(name) + " has no spec.template.spec.containers";
      return false;
    }
    Json* target = nullptr;
    std::string names;
    for (Json& container : *containers) {
      if (!container.is_object()) continue;
      std::string container_name = container.value("name", "");
      names += (names.empty() ? "" : ", ") + container_name;
      if (containers->size() == 1 || container_name == spec.name) target = &container;
    }
    if (target == nullptr) {
      *error = display + ": Deployment " + Quoted(name) + " has several containers (" + names +
               ") and none is named " + Quoted(spec.name) +
               ", so which one runs the image is "
               "unclear; name it " +
               Quoted(spec.name);
      return false;
    }
    (*target)["image"] = spec.image;
    out->deployment = std::move(copy);
  }
  if (out->deployment.is_null()) {
    *error = display + ": holds no apps/v1 Deployment";
    return false;
  }
  return true;
}

}  // namespace tame
