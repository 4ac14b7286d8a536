#include "core/load.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/json_parse.h"

namespace tame {
namespace {

const std::vector<std::string> kTopKeys = {"version", "name",  "description", "params",
                                           "secrets", "steps", "layout"};
const std::vector<std::string> kStepKeys = {"id",      "name",  "uses",    "needs",
                                            "with",    "env",   "if",      "timeout",
                                            "retries", "cache", "outputs", "continue_on_error"};
const std::vector<std::string> kParamKeys = {"type", "default", "description"};
const std::vector<std::string> kSecretKeys = {"from", "env", "description"};
const std::vector<std::string> kRetryKeys = {"max", "backoff", "factor", "on_exit_codes"};

bool IsExtensionKey(const std::string& key) {
  return key.size() > 2 && key[0] == 'x' && key[1] == '-';
}

// Reads one document into a Pipeline, collecting every structural problem.
// JSON objects iterate in key order, so maps are filled with an end hint.
class Decoder {
 public:
  explicit Decoder(const LoadOptions& options) : options_(options) {}

  Pipeline Decode(Json& doc) {
    Pipeline p;
    const Place root;
    if (!doc.is_object()) {
      Error(root, std::string("expected a JSON object, found ") + JsonTypeName(doc));
      return p;
    }
    auto& top = doc.get_ref<Json::object_t&>();
    for (auto& [key, value] : top) {
      Place ptr(root, key);
      if (key == "version") {
        if (!value.is_number_integer() || value.get<int64_t>() != 1) {
          Error(ptr, "unsupported version " + value.dump() + "; this tame reads version 1");
        }
      } else if (key == "name") {
        String(value, ptr, &p.name);
      } else if (key == "description") {
        String(value, ptr, &p.description);
      } else if (key == "params") {
        Params(value, ptr, &p.params);
      } else if (key == "secrets") {
        Secrets(value, ptr, &p.secrets);
      } else if (key == "steps") {
        Steps(value, ptr, &p.steps);
      } else if (key == "layout") {
        Layout(value, ptr, &p.layout);
      } else if (IsExtensionKey(key)) {
        p.extensions[key] = std::move(value);
      } else {
        Unknown(ptr, key, kTopKeys, "");
      }
    }
    if (top.find("version") == top.end()) {
      Error(root, "missing \"version\"; expected \"version\": 1");
    }
    if (top.find("name") == top.end()) Error(root, "missing \"name\"");
    if (top.find("steps") == top.end()) Error(root, "missing \"steps\"");
    return p;
  }

  Diagnostics TakeErrors() { return std::move(errors_); }

 private:
  void Error(const Place& at, const std::string& message) {
    errors_.push_back(Diagnostic{at.Pointer(), message, 0, 0});
  }

  void Unknown(const Place& at, const std::string& key, const std::vector<std::string>& known,
               const std::string& where) {
    std::string message = where + "unknown key \"" + key + "\"";
    std::string suggestion = SuggestSpelling(key, known);
    if (!suggestion.empty()) message += " (did you mean \"" + suggestion + "\"?)";
    Error(at, message);
  }

  bool Expect(const Json& v, bool ok, const char* what, const Place& ptr,
              const std::string& where = "") {
    if (!ok) {
      Error(ptr, where + "expected " + what + ", found " + JsonTypeName(v));
    }
    return ok;
  }

  void String(Json& v, const Place& ptr, std::string* out, const std::string& where = "") {
    if (Expect(v, v.is_string(), "a string", ptr, where)) {
      *out = std::move(v.get_ref<std::string&>());
    }
  }

  void StringList(Json& v, const Place& ptr, std::vector<std::string>* out,
                  const std::string& where) {
    if (!Expect(v, v.is_array(), "an array of strings", ptr, where)) return;
    auto& array = v.get_ref<Json::array_t&>();
    for (size_t i = 0; i < array.size(); ++i) {
      std::string item;
      String(array[i], Place(ptr, i), &item, where);
      out->push_back(std::move(item));
    }
  }

  void Params(Json& v, const Place& ptr, std::map<std::string, ParamDecl>* out) {
    if (!Expect(v, v.is_object(), "an object", ptr)) return;
    for (auto& [name, decl_json] : v.get_ref<Json::object_t&>()) {
      Place p(ptr, name);
      if (!Expect(decl_json, decl_json.is_object(), "an object", p)) continue;
      ParamDecl decl;
      for (auto& [key, value] : decl_json.get_ref<Json::object_t&>()) {
        Place kp(p, key);
        if (key == "type") {
          String(value, kp, &decl.type);
        } else if (key == "default") {
          decl.default_value = std::move(value);
        } else if (key == "description") {
          String(value, kp, &decl.description);
        } else {
          Unknown(kp, key, kParamKeys, "");
        }
      }
      out->emplace_hint(out->end(), name, std::move(decl));
    }
  }

  void Secrets(Json& v, const Place& ptr, std::map<std::string, SecretDecl>* out) {
    if (!Expect(v, v.is_object(), "an object", ptr)) return;
    for (auto& [name, decl_json] : v.get_ref<Json::object_t&>()) {
      Place p(ptr, name);
      if (!Expect(decl_json, decl_json.is_object(), "an object", p)) continue;
      SecretDecl decl;
      for (auto& [key, value] : decl_json.get_ref<Json::object_t&>()) {
        Place kp(p, key);
        if (key == "from") {
          String(value, kp, &decl.from);
        } else if (key == "env") {
          String(value, kp, &decl.env);
        } else if (key == "description") {
          String(value, kp, &decl.description);
        } else {
          Unknown(kp, key, kSecretKeys, "");
        }
      }
      out->emplace_hint(out->end(), name, std::move(decl));
    }
  }

  void Layout(Json& v, const Place& ptr, std::map<std::string, Position>* out) {
    if (!Expect(v, v.is_object(), "an object", ptr)) return;
    for (auto& [id, pos] : v.get_ref<Json::object_t&>()) {
      Place p(ptr, id);
      if (!Expect(pos, pos.is_object(), "an object with x and y", p)) continue;
      Position position;
      bool has_x = false;
      bool has_y = false;
      for (auto& [key, value] : pos.get_ref<Json::object_t&>()) {
        Place kp(p, key);
        double* slot = key == "x" ? &position.x : key == "y" ? &position.y : nullptr;
        if (slot == nullptr) {
          Unknown(kp, key, {"x", "y"}, "");
        } else if (Expect(value, value.is_number(), "a number", kp)) {
          *slot = value.get<double>();
          (key == "x" ? has_x : has_y) = true;
        }
      }
      if (!has_x || !has_y) Error(p, "expected both \"x\" and \"y\"");
      out->emplace_hint(out->end(), id, position);
    }
  }

  void Steps(Json& v, const Place& ptr, std::vector<Step>* out) {
    if (!Expect(v, v.is_array(), "an array of steps", ptr)) return;
    auto& array = v.get_ref<Json::array_t&>();
    if (array.size() > options_.max_steps) {
      Error(ptr, "the file has " + std::to_string(array.size()) + " steps; the limit is " +
                     std::to_string(options_.max_steps));
      return;
    }
    out->reserve(array.size());
    for (size_t i = 0; i < array.size(); ++i) {
      out->push_back(DecodeStep(array[i], Place(ptr, i)));
    }
  }

  Step DecodeStep(Json& v, const Place& ptr) {
    Step step;
    if (!Expect(v, v.is_object(), "a step object", ptr)) return step;
    auto& object = v.get_ref<Json::object_t&>();
    // The id comes first so that every later message can name the step.
    std::string where;
    auto id_it = object.find("id");
    if (id_it == object.end()) {
      Error(ptr, "step has no \"id\"");
    } else if (id_it->second.is_string()) {
      step.id = id_it->second.get_ref<const std::string&>();
      where = "step \"" + step.id + "\": ";
    }
    for (auto& [key, value] : object) {
      Place kp(ptr, key);
      if (key == "id") {
        String(value, kp, &step.id, where);
      } else if (key == "name") {
        String(value, kp, &step.name, where);
      } else if (key == "uses") {
        String(value, kp, &step.uses, where);
      } else if (key == "needs") {
        StringList(value, kp, &step.needs, where);
      } else if (key == "with") {
        if (Expect(value, value.is_object(), "an object", kp, where)) {
          step.with = std::move(value);
        }
      } else if (key == "env") {
        Env(value, kp, where, &step.env);
      } else if (key == "if") {
        String(value, kp, &step.if_condition, where);
      } else if (key == "timeout") {
        String(value, kp, &step.timeout, where);
      } else if (key == "retries") {
        step.retries = DecodeRetries(value, kp, where);
      } else if (key == "cache") {
        step.cache = DecodeCache(value, kp, where);
      } else if (key == "outputs") {
        Outputs(value, kp, where, &step.outputs);
      } else if (key == "continue_on_error") {
        if (Expect(value, value.is_boolean(), "true or false", kp, where)) {
          step.continue_on_error = value.get<bool>();
        }
      } else if (IsExtensionKey(key)) {
        step.extensions[key] = std::move(value);
      } else {
        Unknown(kp, key, kStepKeys, where);
      }
    }
    if (object.find("uses") == object.end()) {
      Error(ptr, where + "step has no \"uses\"");
    }
    return step;
  }

  void Env(Json& v, const Place& ptr, const std::string& where,
           std::map<std::string, std::string>* out) {
    if (!Expect(v, v.is_object(), "an object of strings", ptr, where)) return;
    for (auto& [name, value] : v.get_ref<Json::object_t&>()) {
      auto slot = out->emplace_hint(out->end(), name, std::string());
      String(value, Place(ptr, name), &slot->second, where);
    }
  }

  Retries DecodeRetries(Json& v, const Place& ptr, const std::string& where) {
    Retries r;
    if (!Expect(v, v.is_object(), "an object such as { \"max\": 2 }", ptr, where)) {
      return r;
    }
    auto& object = v.get_ref<Json::object_t&>();
    for (auto& [key, value] : object) {
      Place kp(ptr, key);
      if (key == "max") {
        Integer(value, kp, where, &r.max);
      } else if (key == "backoff") {
        String(value, kp, &r.backoff, where);
      } else if (key == "factor") {
        if (Expect(value, value.is_number(), "a number", kp, where)) {
          r.factor = value.get<double>();
        }
      } else if (key == "on_exit_codes") {
        if (!Expect(value, value.is_array(), "an array of exit codes", kp, where)) {
          continue;
        }
        for (size_t i = 0; i < value.size(); ++i) {
          int code = 0;
          if (Integer(value[i], Place(kp, i), where, &code)) {
            r.on_exit_codes.push_back(code);
          }
        }
      } else {
        Unknown(kp, key, kRetryKeys, where);
      }
    }
    if (object.find("max") == object.end()) {
      Error(ptr, where + "retries need \"max\", the number of retries");
    }
    return r;
  }

  bool Integer(const Json& v, const Place& ptr, const std::string& where, int* out) {
    if (!Expect(v, v.is_number_integer(), "an integer", ptr, where)) return false;
    int64_t value = v.get<int64_t>();
    if (v.is_number_unsigned() &&
        v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int>::max())) {
      value = std::numeric_limits<int64_t>::max();
    }
    if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
      Error(ptr, where + "integer " + v.dump() + " is out of range");
      return false;
    }
    *out = static_cast<int>(value);
    return true;
  }

  CacheSpec DecodeCache(Json& v, const Place& ptr, const std::string& where) {
    CacheSpec c;
    if (v.is_boolean()) {
      c.enabled = v.get<bool>();
      return c;
    }
    if (!Expect(v, v.is_object(), "true, false or { \"inputs\": [...] }", ptr, where)) {
      return c;
    }
    c.enabled = true;
    c.has_inputs = true;
    for (auto& [key, value] : v.get_ref<Json::object_t&>()) {
      Place kp(ptr, key);
      if (key == "inputs") {
        StringList(value, kp, &c.inputs, where);
      } else {
        Unknown(kp, key, {"inputs"}, where);
      }
    }
    return c;
  }

  void Outputs(Json& v, const Place& ptr, const std::string& where,
               std::map<std::string, OutputDecl>* out) {
    if (!Expect(v, v.is_object(), "an object", ptr, where)) return;
    for (auto& [name, decl] : v.get_ref<Json::object_t&>()) {
      Place p(ptr, name);
      OutputDecl output;
      if (Expect(decl, decl.is_object(), "an object such as { \"path\": \"file\" }", p, where)) {
        for (auto& [key, value] : decl.get_ref<Json::object_t&>()) {
          Place kp(p, key);
          if (key == "path") {
            String(value, kp, &output.path, where);
          } else {
            Unknown(kp, key, {"path"}, where);
          }
        }
      }
      out->emplace_hint(out->end(), name, std::move(output));
    }
  }

  const LoadOptions& options_;
  Diagnostics errors_;
};

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string SuggestSpelling(const std::string& word, const std::vector<std::string>& candidates) {
  if (word.size() > 64) return "";
  // Short words allow one edit, longer ones a third of their length.
  std::string best;
  size_t allowed = word.size() <= 3 ? 1 : std::max<size_t>(2, word.size() / 3);
  size_t best_distance = allowed + 1;
  for (const std::string& candidate : candidates) {
    size_t d = EditDistance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

LoadResult DecodePipeline(Json&& doc, const LoadOptions& options) {
  Decoder decoder(options);
  LoadResult result;
  Pipeline pipeline = decoder.Decode(doc);
  result.errors = decoder.TakeErrors();
  if (result.errors.empty()) result.pipeline = std::move(pipeline);
  return result;
}

LoadResult LoadPipeline(std::string_view text, const LoadOptions& options) {
  Json doc;
  Diagnostic error;
  if (!ParseJsonStrict(text, options.limits, &doc, &error)) {
    LoadResult result;
    result.errors.push_back(std::move(error));
    return result;
  }
  return DecodePipeline(std::move(doc), options);
}

}  // namespace tame
