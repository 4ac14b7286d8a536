// TAME_WITH read back into params: the other side of WithText() in
// export.cc, for `tame __step` in the tame image.
#include "core/export.h"

namespace tame {
namespace {

using Lookup = std::function<bool(const std::string&, std::string*)>;

bool ResolveString(const std::string& text, const Lookup& lookup, Json* out, std::string* error) {
  const std::string json_suffix = ":json}";
  if (text.size() > 2 + json_suffix.size() && text.compare(0, 2, "${") == 0 &&
      text.compare(text.size() - json_suffix.size(), json_suffix.size(), json_suffix) == 0 &&
      text.find('}') == text.size() - 1) {
    std::string name = text.substr(2, text.size() - 2 - json_suffix.size());
    std::string value;
    if (!lookup(name, &value)) {
      *error = "TAME_WITH uses ${" + name + "}, which is not set";
      return false;
    }
    Json parsed = Json::parse(value, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded() || parsed.is_structured() || parsed.is_null()) {
      *error = "${" + name + ":json} is not a number or a boolean: " +
               Json(value).dump(-1, ' ', false, Json::error_handler_t::replace);
      return false;
    }
    *out = parsed;
    return true;
  }
  std::string result;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      result += text[i];
    } else if (text[i + 1] == '$') {
      result += '$';
      ++i;
    } else if (text[i + 1] == '{') {
      size_t close = text.find('}', i + 2);
      if (close == std::string::npos) {
        *error = "TAME_WITH holds a \"${\" without its \"}\"";
        return false;
      }
      std::string name = text.substr(i + 2, close - i - 2);
      std::string value;
      if (!lookup(name, &value)) {
        *error = "TAME_WITH uses ${" + name + "}, which is not set";
        return false;
      }
      result += value;
      i = close;
    } else {
      result += '$';
    }
  }
  *out = result;
  return true;
}

bool Resolve(const Json& value, const Lookup& lookup, Json* out, std::string* error) {
  if (value.is_string()) {
    return ResolveString(value.get_ref<const std::string&>(), lookup, out, error);
  }
  if (value.is_array()) {
    *out = Json::array();
    for (const Json& item : value) {
      Json resolved;
      if (!Resolve(item, lookup, &resolved, error)) return false;
      out->push_back(std::move(resolved));
    }
    return true;
  }
  if (value.is_object()) {
    *out = Json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      Json resolved;
      if (!Resolve(*it, lookup, &resolved, error)) return false;
      (*out)[it.key()] = std::move(resolved);
    }
    return true;
  }
  *out = value;
  return true;
}

}  // namespace

bool ResolveExportedParams(const std::string& with_text, const Lookup& lookup, Json* params,
                           std::string* error) {
  Json with = Json::parse(with_text, nullptr, /*allow_exceptions=*/false);
  if (with.is_discarded() || !with.is_object()) {
    *error = "TAME_WITH must hold the step's params as a JSON object";
    return false;
  }
  return Resolve(with, lookup, params, error);
}

}  // namespace tame
