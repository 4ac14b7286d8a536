#include "core/schema.h"

#include "core/catalog.h"
#include "core/pipeline.h"

namespace tame {
namespace {

const char kNamePattern[] = "^[A-Za-z_][A-Za-z0-9_-]*$";
const char kIdPattern[] = "^[a-z][a-z0-9_-]{0,62}$";

Json Ref(const std::string& def) { return Json{{"$ref", "#/$defs/" + def}}; }

// A non-string param may also be one whole reference, resolved at run time.
Json OrExpression(Json schema) {
  return Json{{"anyOf", Json::array({std::move(schema), Ref("expression")})}};
}

Json ParamSchema(const ParamSpec& spec);

// The object an object param (or each item of a list of them) must be.
Json ObjectSchema(const ParamSpec& spec) {
  Json properties = Json::object();
  Json required = Json::array();
  for (const ParamSpec& field : spec.fields) {
    properties[field.name] = ParamSchema(field);
    if (field.required) required.push_back(field.name);
  }
  Json s{{"type", "object"}, {"properties", properties}, {"additionalProperties", false}};
  if (!required.empty()) s["required"] = required;
  return s;
}

Json ParamSchema(const ParamSpec& spec) {
  Json s;
  switch (spec.type) {
    case ParamType::kString:
    case ParamType::kText:
      s = Json{{"type", "string"}};
      break;
    case ParamType::kInteger:
    case ParamType::kNumber: {
      Json n{{"type", spec.type == ParamType::kInteger ? "integer" : "number"}};
      if (!spec.min.empty()) n["minimum"] = Json::parse(spec.min, nullptr, false);
      if (!spec.max.empty()) n["maximum"] = Json::parse(spec.max, nullptr, false);
      s = OrExpression(std::move(n));
      break;
    }
    case ParamType::kBoolean:
      s = OrExpression(Json{{"type", "boolean"}});
      break;
    case ParamType::kDuration:
      s = OrExpression(Ref("duration"));
      break;
    case ParamType::kEnum:
      s = OrExpression(Json{{"enum", spec.choices}});
      break;
    case ParamType::kStringList:
      s = Json{{"type", "array"}, {"items", {{"type", "string"}}}};
      break;
    case ParamType::kStringMap:
      s = Json{{"type", "object"}, {"additionalProperties", {{"type", "string"}}}};
      break;
    case ParamType::kSecretRef:
      s = Ref("secretRef");
      break;
    case ParamType::kRules:
      s = Ref("rules");
      break;
    case ParamType::kObject:
      s = ObjectSchema(spec);
      break;
    case ParamType::kObjectList:
      s = Json{{"type", "array"}, {"items", ObjectSchema(spec)}};
      break;
  }
  s["description"] = spec.doc;
  if (!spec.default_json.empty()) {
    s["default"] = Json::parse(spec.default_json, nullptr, false);
  }
  return s;
}

Json WithSchema(const KindSpec& kind) {
  Json properties = Json::object();
  Json required = Json::array();
  for (const ParamSpec& spec : kind.params) {
    properties[spec.name] = ParamSchema(spec);
    if (spec.required) required.push_back(spec.name);
  }
  Json s{{"type", "object"},
         {"description", kind.title + ": " + kind.doc},
         {"properties", properties},
         {"additionalProperties", false}};
  if (!required.empty()) s["required"] = required;
  return s;
}

Json StepSchema() {
  Json kinds = Json::array();
  Json by_kind = Json::array();
  for (const KindSpec& kind : Catalog()) {
    kinds.push_back(kind.uses);
    Json then{{"properties", {{"with", Ref("with." + kind.uses)}}}};
    bool has_required = false;
    for (const ParamSpec& p : kind.params) has_required = has_required || p.required;
    if (has_required) then["required"] = Json::array({"with"});
    if (!kind.declares_outputs) then["properties"]["outputs"] = Json{{"maxProperties", 0}};
    by_kind.push_back(
        Json{{"if", {{"properties", {{"uses", {{"const", kind.uses}}}}}, {"required", {"uses"}}}},
             {"then", then}});
  }
  Json string_list{{"type", "array"}, {"items", {{"type", "string"}}}};
  Json properties{
      {"id", {{"type", "string"}, {"pattern", kIdPattern}}},
      {"name", {{"type", "string"}}},
      {"uses", {{"enum", kinds}}},
      {"needs", {{"type", "array"}, {"items", {{"type", "string"}, {"pattern", kIdPattern}}}}},
      {"with", {{"type", "object"}}},
      {"env",
       {{"type", "object"},
        {"propertyNames", {{"pattern", "^[A-Za-z_][A-Za-z0-9_]*$"}}},
        {"additionalProperties", {{"type", "string"}}}}},
      {"if", {{"enum", {"success", "failure", "always"}}}},
      {"timeout", Ref("duration")},
      {"retries",
       {{"type", "object"},
        {"required", {"max"}},
        {"properties",
         {{"max", {{"type", "integer"}, {"minimum", 0}, {"maximum", 100}}},
          {"backoff", Ref("duration")},
          {"factor", {{"type", "number"}, {"minimum", 1}, {"maximum", 100}}},
          {"on_exit_codes",
           {{"type", "array"},
            {"items", {{"type", "integer"}, {"minimum", 1}, {"maximum", 255}}}}}}},
        {"additionalProperties", false}}},
      {"cache",
       {{"anyOf",
         {{{"type", "boolean"}},
          {{"type", "object"},
           {"properties", {{"inputs", string_list}}},
           {"additionalProperties", false}}}}}},
      {"outputs",
       {{"type", "object"},
        {"propertyNames", {{"pattern", kNamePattern}}},
        {"additionalProperties",
         {{"type", "object"},
          {"properties", {{"path", {{"type", "string"}}}}},
          {"additionalProperties", false}}}}},
      {"continue_on_error", {{"type", "boolean"}}}};
  return Json{{"type", "object"},
              {"required", {"id", "uses"}},
              {"properties", properties},
              {"patternProperties", {{"^x-", Json::object()}}},
              {"additionalProperties", false},
              {"allOf", by_kind}};
}

Json Schema() {
  Json defs = Json::object();
  defs["step"] = StepSchema();
  for (const KindSpec& kind : Catalog()) defs["with." + kind.uses] = WithSchema(kind);
  defs["duration"] = Json{{"type", "string"}, {"pattern", "^([0-9]+(ms|s|m|h|d))+$"}};
  defs["expression"] = Json{{"type", "string"},
                            {"description",
                             "One whole reference: params.NAME, secrets.NAME, "
                             "steps.ID.outputs.NAME or run.id."},
                            {"pattern", "^\\$\\{\\{ *[A-Za-z0-9_.-]+ *\\}\\}$"}};
  defs["secretRef"] = Json{{"type", "string"},
                           {"pattern", "^\\$\\{\\{ *secrets\\.[A-Za-z_][A-Za-z0-9_-]* *\\}\\}$"}};
  defs["rules"] = Json{{"type", "array"},
                       {"minItems", 1},
                       {"items",
                        {{"type", "object"},
                         {"required", {"metric", "op", "value"}},
                         {"properties",
                          {{"metric", {{"type", "string"}, {"minLength", 1}}},
                           {"op", {{"enum", {">=", ">", "<=", "<", "==", "!="}}}},
                           {"value", OrExpression(Json{{"type", "number"}})}}},
                         {"additionalProperties", false}}}};
  Json named_object{{"type", "object"}, {"propertyNames", {{"pattern", kNamePattern}}}};
  Json params = named_object;
  params["additionalProperties"] =
      Json{{"type", "object"},
           {"properties",
            {{"type", {{"enum", {"string", "number", "integer", "boolean"}}}},
             {"default", Json::object()},
             {"description", {{"type", "string"}}}}},
           {"additionalProperties", false}};
  Json secrets = named_object;
  secrets["additionalProperties"] =
      Json{{"type", "object"},
           {"properties",
            {{"from", {{"enum", {"env", "file"}}}},
             {"env", {{"type", "string"}, {"pattern", "^[A-Za-z_][A-Za-z0-9_]*$"}}},
             {"description", {{"type", "string"}}}}},
           {"additionalProperties", false}};
  return Json{{"$schema", "https://json-schema.org/draft/2020-12/schema"},
              {"$id", "urn:tame:pipeline:1"},
              {"title", "tame pipeline, version 1"},
              {"type", "object"},
              {"required", {"version", "name", "steps"}},
              {"properties",
               {{"version", {{"const", 1}}},
                {"name", {{"type", "string"}, {"minLength", 1}}},
                {"description", {{"type", "string"}}},
                {"params", params},
                {"secrets", secrets},
                {"steps", {{"type", "array"}, {"minItems", 1}, {"items", Ref("step")}}},
                {"layout",
                 {{"type", "object"},
                  {"additionalProperties",
                   {{"type", "object"},
                    {"required", {"x", "y"}},
                    {"properties", {{"x", {{"type", "number"}}}, {"y", {{"type", "number"}}}}},
                    {"additionalProperties", false}}}}}}},
              {"patternProperties", {{"^x-", Json::object()}}},
              {"additionalProperties", false},
              {"$defs", defs}};
}

}  // namespace

std::string PipelineSchema() { return Schema().dump(2) + "\n"; }

}  // namespace tame
