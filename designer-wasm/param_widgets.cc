#include "designer-wasm/param_widgets.h"

#include <set>
#include <string>
#include <vector>

#include "designer-wasm/fields.h"
#include "designer-wasm/theme.h"
#include "imgui.h"

namespace tame::designer {
namespace {

const char* const kOperators[] = {">=", ">", "<=", "<", "==", "!="};
const char* const kDeclTypes[] = {"string", "number", "integer", "boolean"};

std::string AsText(const Json* value) {
  if (value == nullptr || value->is_null()) return "";
  if (value->is_string()) return value->get_ref<const std::string&>();
  return value->dump();
}

// What the user typed, as the JSON the param takes: numbers and booleans
// for typed params when the text is one, else the text itself (a reference
// such as "${{ params.replicas }}", or a mistake the validator names).
Json FromText(const std::string& text, ParamType type) {
  if (text.empty()) return nullptr;
  if (type == ParamType::kInteger || type == ParamType::kNumber || type == ParamType::kBoolean) {
    Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_number() || parsed.is_boolean()) return parsed;
  }
  return text;
}

// The default as a field's placeholder.
std::string Placeholder(const ParamSpec& spec) {
  if (spec.default_json.empty()) return spec.required ? "required" : "optional";
  Json value = Json::parse(spec.default_json, nullptr, false);
  return value.is_string() ? value.get<std::string>() : spec.default_json;
}

std::string UniqueKey(const std::string& base, const Json& object) {
  if (!object.contains(base)) return base;
  for (int n = 2;; ++n) {
    std::string key = base + "_" + std::to_string(n);
    if (!object.contains(key)) return key;
  }
}

std::optional<Json> RawJson(const Json* value) {
  ImGui::TextDisabled("not the expected type; edit it as JSON");
  std::string text;
  if (!fields::Text("##raw", value ? value->dump() : "", &text)) return std::nullopt;
  if (text.empty()) return Json(nullptr);
  Json parsed = Json::parse(text, nullptr, false);
  return parsed.is_discarded() ? Json(text) : parsed;
}

std::optional<Json> BooleanParam(const ParamSpec& spec, const Json* value) {
  const bool set = value != nullptr && value->is_boolean();
  if (value != nullptr && !set) return RawJson(value);
  bool on = set ? value->get<bool>() : spec.default_json == "true";
  std::optional<Json> result;
  if (ImGui::Checkbox(set ? "##on" : "(default)##on", &on)) result = on;
  if (set) {
    ImGui::SameLine();
    if (fields::SmallButton("reset", "x", "Use the default")) result = nullptr;
  }
  return result;
}

std::optional<Json> EnumParam(const ParamSpec& spec, const Json* value) {
  const std::string current = AsText(value);
  const std::string preview = current.empty() ? "(default: " + Placeholder(spec) + ")" : current;
  std::optional<Json> result;
  ImGui::SetNextItemWidth(-FLT_MIN);
  if (ImGui::BeginCombo("##enum", preview.c_str())) {
    if (ImGui::Selectable("(default)", current.empty())) result = nullptr;
    for (const std::string& choice : spec.choices) {
      if (ImGui::Selectable(choice.c_str(), current == choice)) result = choice;
    }
    ImGui::EndCombo();
  }
  return result;
}

// A secret reference, picked with the reference picker from the secrets
// the pipeline declares, or declared there and then.
std::optional<Json> SecretParam(Editor& editor, const Json* value, const std::string& mark) {
  const std::string current = AsText(value);
  std::vector<fields::RefChoice> choices;
  if (!current.empty()) choices.push_back({"", "Use no secret", 0, false, ""});
  for (const auto& [name, decl] : editor.doc().pipeline().secrets) {
    choices.push_back({"secrets." + name,
                       "a secret, from " + (decl.from.empty() ? std::string("env") : decl.from),
                       color::kWarning, false, ""});
  }
  std::optional<Json> result;
  std::string text;
  std::string declare;
  bool ask = false;
  if (fields::SecretField("##secret", current, &text, choices, mark, &declare, &ask)) {
    if (!declare.empty()) {
      const Pipeline& p = editor.doc().pipeline();
      PipelineInfo info{p.name, p.description, p.params, p.secrets};
      info.secrets.emplace(declare, SecretDecl{});
      if (!editor.Report(editor.doc().SetInfo(std::move(info)))) return std::nullopt;
      editor.Post(Severity::kInfo, "Declared the secret " + declare +
                                       ": tame run reads it from the environment variable " +
                                       declare);
    }
    result = text.empty() ? Json(nullptr) : Json(text);
  }
  if (ask) ImGui::OpenPopup("declare-secret");
  if (ImGui::BeginPopup("declare-secret")) {
    static char name[64] = "";
    ImGui::TextUnformatted("A secret's value comes from the environment of `tame run`.");
    ImGui::SetNextItemWidth(200);
    if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
    const bool enter = ImGui::InputTextWithHint(
        "##name", "NAME", name, sizeof name,
        ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_CharsUppercase);
    ImGui::SameLine();
    if ((ImGui::Button("Declare") || enter) && name[0] != '\0') {
      const Pipeline& p = editor.doc().pipeline();
      PipelineInfo info{p.name, p.description, p.params, p.secrets};
      info.secrets.emplace(name, SecretDecl{});
      if (editor.Report(editor.doc().SetInfo(std::move(info)))) {
        result = "${{ secrets." + std::string(name) + " }}";
      }
      name[0] = '\0';
      ImGui::CloseCurrentPopup();
    }
    ImGui::EndPopup();
  }
  return result;
}

std::optional<Json> ListParam(const Json* value, const std::string& mark) {
  Json list = value != nullptr ? *value : Json::array();
  for (const Json& item : list) {
    if (!item.is_string()) return RawJson(value);
  }
  std::optional<Json> result;
  // An item just added gets the keyboard, to be typed in at once.
  static ImGuiID focus_list = 0;
  const ImGuiID this_list = ImGui::GetID("##list");
  const float remove_width = ImGui::GetFrameHeight() + ImGui::GetStyle().ItemSpacing.x;
  for (size_t k = 0; k < list.size(); ++k) {
    ImGui::PushID(static_cast<int>(k));
    std::string text;
    if (focus_list == this_list && k + 1 == list.size()) {
      ImGui::SetKeyboardFocusHere();
      focus_list = 0;
    }
    if (fields::TextWithChips("##item", list[k].get<std::string>(), &text, "",
                              ImGui::GetContentRegionAvail().x - remove_width,
                              mark + "/" + std::to_string(k))) {
      Json changed = list;
      changed[k] = text;
      result = changed;
    }
    ImGui::SameLine();
    if (fields::SmallButton("remove", "x", "Remove this item")) {
      Json changed = list;
      changed.erase(k);
      result = changed.empty() ? Json(nullptr) : changed;
    }
    ImGui::PopID();
  }
  if (ImGui::SmallButton("+ add")) {
    Json changed = list;
    changed.push_back("");
    result = changed;
    focus_list = this_list;
  }
  return result;
}

std::optional<Json> MapParam(const Json* value, const std::string& mark) {
  Json map = value != nullptr ? *value : Json::object();
  for (const auto& [key, item] : map.items()) {
    if (!item.is_string()) return RawJson(value);
  }
  std::optional<Json> result;
  const float half = 0.45f * (ImGui::GetContentRegionAvail().x - ImGui::GetFrameHeight());
  int row = 0;
  for (auto it = map.begin(); it != map.end(); ++it, ++row) {
    ImGui::PushID(row);
    std::string text;
    if (fields::Text("##key", it.key(), &text, "NAME", half) && !text.empty() &&
        !map.contains(text)) {
      Json changed = map;
      changed[text] = *it;
      changed.erase(it.key());
      result = changed;
    }
    ImGui::SameLine();
    if (fields::TextWithChips("##value", it->get<std::string>(), &text, "value",
                              ImGui::GetContentRegionAvail().x - ImGui::GetFrameHeight() -
                                  ImGui::GetStyle().ItemSpacing.x,
                              mark + "/" + it.key())) {
      Json changed = map;
      changed[it.key()] = text;
      result = changed;
    }
    ImGui::SameLine();
    if (fields::SmallButton("remove", "x", "Remove this entry")) {
      Json changed = map;
      changed.erase(it.key());
      result = changed.empty() ? Json(nullptr) : changed;
    }
    ImGui::PopID();
  }
  if (ImGui::SmallButton("+ add")) {
    Json changed = map;
    changed[UniqueKey("NAME", map)] = "";
    result = changed;
  }
  return result;
}

std::optional<Json> RulesParam(const Json* value) {
  Json rules = value != nullptr ? *value : Json::array();
  for (const Json& rule : rules) {
    if (!rule.is_object()) return RawJson(value);
  }
  std::optional<Json> result;
  for (size_t k = 0; k < rules.size(); ++k) {
    ImGui::PushID(static_cast<int>(k));
    const Json& rule = rules[k];
    const float room = ImGui::GetContentRegionAvail().x - ImGui::GetFrameHeight() -
                       3 * ImGui::GetStyle().ItemSpacing.x;
    std::string text;
    auto field = [&](const char* key) {
      auto it = rule.find(key);
      return it == rule.end() ? std::string() : AsText(&*it);
    };
    if (fields::Text("##metric", field("metric"), &text, "metric", 0.45f * room)) {
      result = rules;
      (*result)[k]["metric"] = text;
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(0.2f * room);
    const std::string op = field("op");
    if (ImGui::BeginCombo("##op", op.c_str())) {
      for (const char* choice : kOperators) {
        if (ImGui::Selectable(choice, op == choice)) {
          result = rules;
          (*result)[k]["op"] = choice;
        }
      }
      ImGui::EndCombo();
    }
    ImGui::SameLine();
    if (fields::Text("##value", field("value"), &text, "value", 0.35f * room)) {
      result = rules;
      (*result)[k]["value"] = FromText(text, ParamType::kNumber);
    }
    ImGui::SameLine();
    if (fields::SmallButton("remove", "x", "Remove this rule")) {
      result = rules;
      result->erase(k);
    }
    ImGui::PopID();
  }
  if (ImGui::SmallButton("+ add rule")) {
    result = rules;
    result->push_back(Json{{"metric", "accuracy"}, {"op", ">="}, {"value", 0.9}});
  }
  return result;
}

// One object's fields, each with its label, its own typed editor and its
// problems, indented under the param. A field set to null is removed; an
// object left empty is removed as a whole.
std::optional<Json> ObjectFields(Editor& editor, const ParamSpec& spec, const Json& object,
                                 const ParamPlace& place) {
  std::optional<Json> result;
  ImGui::Indent();
  for (const ParamSpec& field : spec.fields) {
    ImGui::PushID(field.name.c_str());
    ParamLabel(field);
    auto it = object.find(field.name);
    const Json* value = it == object.end() ? nullptr : &*it;
    const ParamPlace inner{place.mark.empty() ? "" : place.mark + "/" + field.name,
                           place.field + "." + field.name, place.problems};
    std::optional<Json> edited = ParamWidget(editor, field, value, inner);
    if (!inner.mark.empty()) fields::Mark(inner.mark);
    if (place.problems != nullptr) FieldErrors(*place.problems, inner.field, /*nested=*/true);
    ImGui::PopID();
    if (edited && !result) {
      result = object;
      if (edited->is_null()) {
        result->erase(field.name);
      } else {
        (*result)[field.name] = *edited;
      }
    }
  }
  ImGui::Unindent();
  return result;
}

// An object param: unset until the user adds it, then its fields.
std::optional<Json> ObjectParam(Editor& editor, const ParamSpec& spec, const Json* value,
                                const ParamPlace& place) {
  if (value == nullptr) {
    const bool set = ImGui::SmallButton("+ set");
    if (!place.mark.empty()) fields::Mark(place.mark + "/set");
    if (set) return Json::object();
    fields::Tooltip("Set " + spec.name + "; it is not used until set.");
    return std::nullopt;
  }
  const std::string tip = "Remove " + spec.name + " and all its fields";
  if (fields::SmallButton("remove", "x", tip.c_str())) return Json(nullptr);
  return ObjectFields(editor, spec, *value, place);
}

// A list of objects: each item a collapsible group of fields with a remove
// button and the problems about the item as a whole, and a button to add an
// item with its fields' defaults left unset.
std::optional<Json> ObjectListParam(Editor& editor, const ParamSpec& spec, const Json* value,
                                    const ParamPlace& place) {
  Json list = value != nullptr ? *value : Json::array();
  for (const Json& item : list) {
    if (!item.is_object()) return RawJson(value);
  }
  std::optional<Json> result;
  for (size_t k = 0; k < list.size(); ++k) {
    ImGui::PushID(static_cast<int>(k));
    const std::string title = spec.name + " " + std::to_string(k + 1);
    const bool open =
        ImGui::TreeNodeEx("##item", ImGuiTreeNodeFlags_DefaultOpen, "%s", title.c_str());
    ImGui::SameLine();
    if (fields::SmallButton("remove", "x", "Remove this item")) {
      result = list;
      result->erase(k);
      if (result->empty()) result = Json(nullptr);
    }
    const std::string index = std::to_string(k);
    const ParamPlace item{place.mark.empty() ? "" : place.mark + "/" + index,
                          place.field + "[" + index + "]", place.problems};
    // A folded item shows its fields' problems under its title.
    if (place.problems != nullptr) FieldErrors(*place.problems, item.field, /*nested=*/!open);
    if (open) {
      std::optional<Json> edited = ObjectFields(editor, spec, list[k], item);
      if (edited && !result) {
        result = list;
        (*result)[k] = *edited;
      }
      ImGui::TreePop();
    }
    ImGui::PopID();
  }
  if (ImGui::SmallButton("+ add")) {
    result = list;
    result->push_back(Json::object());
  }
  return result;
}

// The fields whose problems FieldErrors() showed in this frame.
std::set<std::string>& ShownErrors() {
  static std::set<std::string> shown;
  static int frame = -1;
  if (frame != ImGui::GetFrameCount()) {
    frame = ImGui::GetFrameCount();
    shown.clear();
  }
  return shown;
}

}  // namespace

void ParamLabel(const ParamSpec& spec) {
  ImGui::TextUnformatted(spec.name.c_str());
  if (spec.required) {
    ImGui::SameLine(0, 2);
    ImGui::TextColored(ToVec4(color::kError), "*");
  }
  std::string tip = spec.doc + "\n\nType: " + ParamTypeName(spec.type);
  if (spec.type == ParamType::kEnum) {
    tip += " (";
    for (size_t i = 0; i < spec.choices.size(); ++i) tip += (i ? ", " : "") + spec.choices[i];
    tip += ")";
  }
  if (!spec.fields.empty()) {
    tip += " with fields ";
    for (size_t i = 0; i < spec.fields.size(); ++i) tip += (i ? ", " : "") + spec.fields[i].name;
  }
  if (!spec.min.empty()) tip += "\nAt least " + spec.min + ".";
  if (!spec.max.empty()) tip += "\nAt most " + spec.max + ".";
  if (!spec.default_json.empty()) tip += "\nDefault: " + spec.default_json;
  if (spec.required) tip += "\nRequired.";
  ImGui::SameLine();
  ImGui::TextDisabled("(?)");
  fields::Tooltip(tip);
}

void FieldErrors(const FieldProblems& problems, const std::string& field, bool nested) {
  std::vector<const std::string*> messages;
  std::set<std::string>& shown = ShownErrors();
  for (auto it = problems.lower_bound(field); it != problems.end(); ++it) {
    const std::string& key = it->first;
    const bool same = key == field;
    const bool inside = key.size() > field.size() && key.compare(0, field.size(), field) == 0 &&
                        (key[field.size()] == '.' || key[field.size()] == '[');
    if (!same && !inside) {
      if (key.compare(0, field.size(), field) != 0) break;
      continue;
    }
    if (!same && (!nested || shown.count(key) > 0)) continue;
    shown.insert(key);
    for (const std::string& message : it->second) messages.push_back(&message);
  }
  if (messages.empty()) return;
  ImGui::BeginGroup();
  ImGui::PushStyleColor(ImGuiCol_Text, ToVec4(color::kError));
  for (const std::string* message : messages) ImGui::TextWrapped("%s", message->c_str());
  ImGui::PopStyleColor();
  ImGui::EndGroup();
  fields::Mark("inspector/error/" + field);
}

std::optional<Json> ParamWidget(Editor& editor, const ParamSpec& spec, const Json* value,
                                const ParamPlace& place) {
  std::string text;
  switch (spec.type) {
    case ParamType::kString:
    case ParamType::kDuration:
    case ParamType::kInteger:
    case ParamType::kNumber:
      if (value != nullptr && !value->is_primitive()) return RawJson(value);
      if (fields::TextWithRefs("##value", AsText(value), &text, Placeholder(spec).c_str(),
                               "inspector/ref/" + spec.name)) {
        return FromText(text, spec.type);
      }
      return std::nullopt;
    case ParamType::kText:
      if (value != nullptr && !value->is_string()) return RawJson(value);
      if (fields::TextWithRefs("##value", AsText(value), &text, "", "inspector/ref/" + spec.name,
                               /*multiline=*/true)) {
        return FromText(text, spec.type);
      }
      return std::nullopt;
    case ParamType::kBoolean:
      return BooleanParam(spec, value);
    case ParamType::kEnum:
      return EnumParam(spec, value);
    case ParamType::kStringList:
      if (value != nullptr && !value->is_array()) return RawJson(value);
      return ListParam(value, place.mark);
    case ParamType::kStringMap:
      if (value != nullptr && !value->is_object()) return RawJson(value);
      return MapParam(value, place.mark);
    case ParamType::kSecretRef:
      return SecretParam(editor, value, place.mark);
    case ParamType::kRules:
      if (value != nullptr && !value->is_array()) return RawJson(value);
      return RulesParam(value);
    case ParamType::kObject:
      if (value != nullptr && !value->is_object()) return RawJson(value);
      return ObjectParam(editor, spec, value, place);
    case ParamType::kObjectList:
      if (value != nullptr && !value->is_array()) return RawJson(value);
      return ObjectListParam(editor, spec, value, place);
  }
  return std::nullopt;
}

std::optional<std::map<std::string, OutputDecl>> OutputsEditor(
    Editor& editor, const std::map<std::string, OutputDecl>& outputs) {
  std::optional<std::map<std::string, OutputDecl>> result;
  const float half = 0.4f * (ImGui::GetContentRegionAvail().x - ImGui::GetFrameHeight());
  int row = 0;
  for (const auto& [name, decl] : outputs) {
    ImGui::PushID(row++);
    std::string text;
    if (fields::Text("##name", name, &text, "name", half)) {
      if (text.empty() || outputs.count(text) > 0) {
        editor.Post(Severity::kError, "an output needs a name of its own");
      } else {
        result = outputs;
        result->erase(name);
        (*result)[text] = decl;
      }
    }
    ImGui::SameLine();
    if (fields::Text("##path", decl.path, &text, "$TAME_OUTPUT value, or a file path",
                     ImGui::GetContentRegionAvail().x - ImGui::GetFrameHeight() -
                         ImGui::GetStyle().ItemSpacing.x)) {
      result = outputs;
      (*result)[name].path = text;
    }
    ImGui::SameLine();
    if (fields::SmallButton("remove", "x", "Remove this output")) {
      result = outputs;
      result->erase(name);
    }
    ImGui::PopID();
  }
  const bool add = ImGui::SmallButton("+ add output");
  fields::Mark("inspector/outputs/add");
  if (add) {
    result = outputs;
    std::string name = "output";
    for (int n = 2; result->count(name) > 0; ++n) name = "output_" + std::to_string(n);
    (*result)[name] = OutputDecl{};
  }
  return result;
}

bool PipelineParamsEditor(Editor& editor, std::map<std::string, ParamDecl>* params) {
  // The rows show a copy; the one change a frame can make is applied after.
  const std::map<std::string, ParamDecl> shown = *params;
  bool changed = false;
  const float room = ImGui::GetContentRegionAvail().x - ImGui::GetFrameHeight() -
                     3 * ImGui::GetStyle().ItemSpacing.x;
  int row = 0;
  for (const auto& [name, decl] : shown) {
    ImGui::PushID(row++);
    std::string text;
    if (fields::Text("##name", name, &text, "name", 0.32f * room)) {
      if (text.empty() || params->count(text) > 0) {
        editor.Post(Severity::kError, "a param needs a name of its own");
      } else {
        params->erase(name);
        (*params)[text] = decl;
        changed = true;
      }
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(0.23f * room);
    if (ImGui::BeginCombo("##type", decl.type.c_str(), ImGuiComboFlags_NoArrowButton)) {
      for (const char* type : kDeclTypes) {
        if (ImGui::Selectable(type, decl.type == type) && decl.type != type) {
          (*params)[name].type = type;
          changed = true;
        }
      }
      ImGui::EndCombo();
    }
    ImGui::SameLine();
    const std::string value = decl.default_value ? AsText(&*decl.default_value) : "";
    if (fields::Text("##default", value, &text, "default", 0.45f * room)) {
      if (text.empty()) {
        (*params)[name].default_value.reset();
      } else {
        (*params)[name].default_value =
            FromText(text, decl.type == "string" ? ParamType::kString : ParamType::kNumber);
      }
      changed = true;
    }
    ImGui::SameLine();
    if (fields::SmallButton("remove", "x", "Remove this param")) {
      params->erase(name);
      changed = true;
    }
    ImGui::PopID();
  }
  if (ImGui::SmallButton("+ add param")) {
    std::string name = "param";
    for (int n = 2; params->count(name) > 0; ++n) name = "param_" + std::to_string(n);
    (*params)[name] = ParamDecl{};
    changed = true;
  }
  return changed;
}

bool SecretsEditor(std::map<std::string, SecretDecl>* secrets, char* new_name, size_t size) {
  const std::map<std::string, SecretDecl> shown = *secrets;
  bool changed = false;
  for (const auto& [name, decl] : shown) {
    ImGui::PushID(name.c_str());
    ImGui::TextUnformatted(name.c_str());
    ImGui::SameLine(ImGui::GetContentRegionAvail().x * 0.55f);
    ImGui::SetNextItemWidth(100);
    const std::string from = decl.from == "file" ? "file" : "env";
    if (ImGui::BeginCombo("##from", ("from " + from).c_str())) {
      for (const char* source : {"env", "file"}) {
        if (ImGui::Selectable(source, from == source) && from != source) {
          (*secrets)[name].from = source;
          changed = true;
        }
      }
      ImGui::EndCombo();
    }
    fields::Tooltip(
        "env: the environment variable of this name; file: the file given to "
        "tame run --secrets-file.");
    ImGui::SameLine();
    if (fields::SmallButton("remove", "x", "Remove this secret")) {
      secrets->erase(name);
      changed = true;
    }
    ImGui::PopID();
  }
  ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.6f);
  const bool enter = ImGui::InputTextWithHint(
      "##new-secret", "NEW_SECRET", new_name, size,
      ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_CharsUppercase);
  ImGui::SameLine();
  if ((ImGui::Button("Declare") || enter) && new_name[0] != '\0') {
    changed |= secrets->emplace(new_name, SecretDecl{}).second;
    new_name[0] = '\0';
  }
  return changed;
}

}  // namespace tame::designer
