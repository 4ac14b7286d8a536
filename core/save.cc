#include "core/save.h"

#include "core/catalog.h"

namespace tame {
namespace {

using Ordered = nlohmann::ordered_json;

constexpr size_t kLineWidth = 100;

std::string Scalar(const Ordered& v) {
  return v.dump(-1, ' ', /*ensure_ascii=*/false, Ordered::error_handler_t::replace);
}

bool IsScalar(const Ordered& v) { return !v.is_object() && !v.is_array(); }

// Lays out an ordered document: containers of scalars on one line when they
// fit, everything else one member per line.
class Writer {
 public:
  std::string Take() { return std::move(out_); }

  // `lead` is how much of the line is taken before the value: indent plus
  // the member's key.
  void Value(const Ordered& v, size_t indent, size_t lead) {
    if (!v.is_object() && !v.is_array()) {
      out_ += Scalar(v);
      return;
    }
    const bool object = v.is_object();
    if (v.empty()) {
      out_ += object ? "{}" : "[]";
      return;
    }
    std::string one_line;
    if (FitsOnOneLine(v, lead, &one_line)) {
      out_ += one_line;
      return;
    }
    out_ += object ? "{\n" : "[\n";
    size_t i = 0;
    for (auto it = v.begin(); it != v.end(); ++it, ++i) {
      out_.append(indent + 2, ' ');
      size_t line_start = out_.size() - indent - 2;
      if (object) out_ += Scalar(Ordered(it.key())) + ": ";
      Value(*it, indent + 2, out_.size() - line_start);
      out_ += i + 1 < v.size() ? ",\n" : "\n";
    }
    out_.append(indent, ' ');
    out_ += object ? '}' : ']';
  }

 private:
  // Objects of up to four scalars, and arrays of scalars, stay on one line
  // when the whole line fits in kLineWidth.
  static bool FitsOnOneLine(const Ordered& v, size_t lead, std::string* text) {
    const bool object = v.is_object();
    if (object && v.size() > 4) return false;
    *text = object ? "{ " : "[";
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!IsScalar(*it)) return false;
      if (!first) *text += ", ";
      first = false;
      if (object) *text += Scalar(Ordered(it.key())) + ": ";
      *text += Scalar(*it);
    }
    *text += object ? " }" : "]";
    return lead + text->size() + 1 <= kLineWidth;  // 1 for a trailing comma
  }

  std::string out_;
};

Ordered ToOrdered(const Json& v) {
  if (v.is_object()) {
    Ordered o = Ordered::object();
    for (const auto& [key, item] : v.items()) o[key] = ToOrdered(item);
    return o;
  }
  if (v.is_array()) {
    Ordered a = Ordered::array();
    for (const Json& item : v) a.push_back(ToOrdered(item));
    return a;
  }
  // Scalars convert through their own type, so integers stay integers.
  switch (v.type()) {
    case Json::value_t::string:
      return v.get_ref<const std::string&>();
    case Json::value_t::boolean:
      return v.get<bool>();
    case Json::value_t::number_integer:
      return v.get<int64_t>();
    case Json::value_t::number_unsigned:
      return v.get<uint64_t>();
    case Json::value_t::number_float:
      return v.get<double>();
    default:
      return nullptr;
  }
}

// Typed numbers the model keeps as doubles are written as integers when
// they are whole, as people write them: "x": 40, "factor": 2.
Ordered Number(double d) {
  if (d > -1e15 && d < 1e15 && d == static_cast<double>(static_cast<int64_t>(d))) {
    return static_cast<int64_t>(d);
  }
  return d;
}

void AddExtensions(const Json& extensions, Ordered* o) {
  for (const auto& [key, value] : extensions.items()) (*o)[key] = ToOrdered(value);
}

Ordered OrderedWith(const Step& step) {
  // The catalog's order, then any params it does not know, sorted: those
  // are invalid, but formatting keeps what it cannot judge.
  Ordered with = Ordered::object();
  const KindSpec* kind = FindKind(step.uses);
  if (kind != nullptr) {
    for (const ParamSpec& spec : kind->params) {
      auto it = step.with.find(spec.name);
      if (it != step.with.end()) with[spec.name] = ToOrdered(*it);
    }
  }
  for (const auto& [key, value] : step.with.items()) {
    if (kind == nullptr || FindParam(*kind, key) == nullptr) with[key] = ToOrdered(value);
  }
  return with;
}

Ordered StepDocument(const Step& step) {
  Ordered o = Ordered::object();
  o["id"] = step.id;
  if (!step.name.empty()) o["name"] = step.name;
  o["uses"] = step.uses;
  if (!step.needs.empty()) o["needs"] = step.needs;
  if (!step.with.empty()) o["with"] = OrderedWith(step);
  if (!step.env.empty()) o["env"] = step.env;
  if (!step.if_condition.empty()) o["if"] = step.if_condition;
  if (!step.timeout.empty()) o["timeout"] = step.timeout;
  if (step.retries) {
    Ordered r = Ordered::object();
    r["max"] = step.retries->max;
    if (!step.retries->backoff.empty()) r["backoff"] = step.retries->backoff;
    if (step.retries->factor) r["factor"] = Number(*step.retries->factor);
    if (!step.retries->on_exit_codes.empty()) r["on_exit_codes"] = step.retries->on_exit_codes;
    o["retries"] = std::move(r);
  }
  if (step.cache) {
    if (step.cache->has_inputs) {
      o["cache"] = Ordered{{"inputs", step.cache->inputs}};
    } else {
      o["cache"] = step.cache->enabled;
    }
  }
  if (!step.outputs.empty()) {
    Ordered outputs = Ordered::object();
    for (const auto& [name, decl] : step.outputs) {
      outputs[name] = decl.path.empty() ? Ordered::object() : Ordered{{"path", decl.path}};
    }
    o["outputs"] = std::move(outputs);
  }
  if (step.continue_on_error) o["continue_on_error"] = *step.continue_on_error;
  AddExtensions(step.extensions, &o);
  return o;
}

Ordered PipelineDocument(const Pipeline& p) {
  Ordered o = Ordered::object();
  o["version"] = p.version;
  o["name"] = p.name;
  if (!p.description.empty()) o["description"] = p.description;
  if (!p.params.empty()) {
    Ordered params = Ordered::object();
    for (const auto& [name, decl] : p.params) {
      Ordered d = Ordered::object();
      d["type"] = decl.type;
      if (decl.default_value) d["default"] = ToOrdered(*decl.default_value);
      if (!decl.description.empty()) d["description"] = decl.description;
      params[name] = std::move(d);
    }
    o["params"] = std::move(params);
  }
  if (!p.secrets.empty()) {
    Ordered secrets = Ordered::object();
    for (const auto& [name, decl] : p.secrets) {
      Ordered d = Ordered::object();
      d["from"] = decl.from;
      if (!decl.env.empty()) d["env"] = decl.env;
      if (!decl.description.empty()) d["description"] = decl.description;
      secrets[name] = std::move(d);
    }
    o["secrets"] = std::move(secrets);
  }
  Ordered steps = Ordered::array();
  for (const Step& step : p.steps) steps.push_back(StepDocument(step));
  o["steps"] = std::move(steps);
  if (!p.layout.empty()) {
    Ordered layout = Ordered::object();
    for (const auto& [id, pos] : p.layout)
      layout[id] = Ordered{{"x", Number(pos.x)}, {"y", Number(pos.y)}};
    o["layout"] = std::move(layout);
  }
  AddExtensions(p.extensions, &o);
  return o;
}

}  // namespace

std::string SavePipeline(const Pipeline& pipeline) {
  Writer w;
  w.Value(PipelineDocument(pipeline), 0, 0);
  std::string text = w.Take();
  text += '\n';
  return text;
}

std::string PipelineJsonLine(const Pipeline& pipeline) {
  return PipelineDocument(pipeline).dump(-1, ' ', /*ensure_ascii=*/false,
                                         Ordered::error_handler_t::replace);
}

std::string FormatJsonValue(const Json& value, int indent) {
  Writer w;
  size_t n = static_cast<size_t>(indent < 0 ? 0 : indent);
  w.Value(ToOrdered(value), n, n);
  return w.Take();
}

}  // namespace tame
