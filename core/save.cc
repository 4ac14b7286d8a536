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

// A pipeline's members are written in one place, WritePipeline() below,
// to either of two sinks with the same calls: Begin('{' or '['), End(),
// Key() before each member of an object, Put() for a value.

// Builds the document as a tree, for the Writer's layout.
class TreeSink {
 public:
  Ordered Take() { return std::move(root_); }

  void Begin(char bracket) {
    Ordered* slot = Slot();
    *slot = bracket == '{' ? Ordered::object() : Ordered::array();
    open_.push_back(slot);
  }
  void End(char) { open_.pop_back(); }
  void Key(const std::string& key) { key_ = key; }
  template <typename T>
  void Put(const T& value) {
    *Slot() = Ordered(value);
  }
  void Put(const Json& value) { *Slot() = ToOrdered(value); }
  void PutNumber(double value) { *Slot() = Number(value); }

 private:
  // Where the next value goes. A container's address holds while its
  // members are written: nothing is added to its parent meanwhile.
  Ordered* Slot() {
    if (open_.empty()) return &root_;
    Ordered* top = open_.back();
    if (top->is_array()) {
      top->push_back(nullptr);
      return &top->back();
    }
    return &(*top)[key_];
  }

  Ordered root_;
  std::vector<Ordered*> open_;
  std::string key_;
};

// Writes the document as compact JSON text, as Ordered::dump() would.
class TextSink {
 public:
  std::string Take() { return std::move(out_); }

  void Begin(char bracket) {
    Separate();
    out_ += bracket;
    first_.push_back(true);
  }
  void End(char bracket) {
    out_ += bracket == '{' ? '}' : ']';
    first_.pop_back();
  }
  void Key(const std::string& key) {
    Separate();
    Quote(key);
    out_ += ':';
    after_key_ = true;
  }
  void Put(const std::string& value) {
    Separate();
    Quote(value);
  }
  void Put(const char* value) { Put(std::string(value)); }
  void Put(bool value) {
    Separate();
    out_ += value ? "true" : "false";
  }
  void Put(int value) { Put(static_cast<int64_t>(value)); }
  void Put(int64_t value) {
    Separate();
    out_ += std::to_string(value);
  }
  void Put(const Json& value) {
    Separate();
    out_ += value.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
  }
  void PutNumber(double value) {
    Separate();
    out_ += Scalar(Number(value));
  }

 private:
  void Separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (first_.empty()) return;
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
  // Plain printable ASCII, the usual case, needs no escaping.
  void Quote(const std::string& text) {
    for (char c : text) {
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        out_ += Scalar(Ordered(text));
        return;
      }
    }
    out_ += '"';
    out_ += text;
    out_ += '"';
  }

  std::string out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

template <typename Sink, typename T>
void Member(Sink* s, const std::string& key, const T& value) {
  s->Key(key);
  s->Put(value);
}

template <typename Sink, typename T>
void List(Sink* s, const std::string& key, const std::vector<T>& values) {
  s->Key(key);
  s->Begin('[');
  for (const T& value : values) s->Put(value);
  s->End('[');
}

template <typename Sink>
void Extensions(Sink* s, const Json& extensions) {
  for (const auto& [key, value] : extensions.items()) Member(s, key, value);
}

template <typename Sink>
void WriteWith(Sink* s, const Step& step) {
  // The catalog's order, then any params it does not know, sorted: those
  // are invalid, but formatting keeps what it cannot judge.
  s->Key("with");
  s->Begin('{');
  const KindSpec* kind = FindKind(step.uses);
  if (kind != nullptr) {
    for (const ParamSpec& spec : kind->params) {
      auto it = step.with.find(spec.name);
      if (it != step.with.end()) Member(s, spec.name, *it);
    }
  }
  for (const auto& [key, value] : step.with.items()) {
    if (kind == nullptr || FindParam(*kind, key) == nullptr) Member(s, key, value);
  }
  s->End('{');
}

template <typename Sink>
void WriteStep(Sink* s, const Step& step) {
  s->Begin('{');
  Member(s, "id", step.id);
  if (!step.name.empty()) Member(s, "name", step.name);
  Member(s, "uses", step.uses);
  if (!step.needs.empty()) List(s, "needs", step.needs);
  if (!step.with.empty()) WriteWith(s, step);
  if (!step.env.empty()) {
    s->Key("env");
    s->Begin('{');
    for (const auto& [name, value] : step.env) Member(s, name, value);
    s->End('{');
  }
  if (!step.if_condition.empty()) Member(s, "if", step.if_condition);
  if (!step.timeout.empty()) Member(s, "timeout", step.timeout);
  if (step.retries) {
    s->Key("retries");
    s->Begin('{');
    Member(s, "max", step.retries->max);
    if (!step.retries->backoff.empty()) Member(s, "backoff", step.retries->backoff);
    if (step.retries->factor) {
      s->Key("factor");
      s->PutNumber(*step.retries->factor);
    }
    if (!step.retries->on_exit_codes.empty()) {
      List(s, "on_exit_codes", step.retries->on_exit_codes);
    }
    s->End('{');
  }
  if (step.cache) {
    if (step.cache->has_inputs) {
      s->Key("cache");
      s->Begin('{');
      List(s, "inputs", step.cache->inputs);
      s->End('{');
    } else {
      Member(s, "cache", step.cache->enabled);
    }
  }
  if (!step.outputs.empty()) {
    s->Key("outputs");
    s->Begin('{');
    for (const auto& [name, decl] : step.outputs) {
      s->Key(name);
      s->Begin('{');
      if (!decl.path.empty()) Member(s, "path", decl.path);
      s->End('{');
    }
    s->End('{');
  }
  if (step.continue_on_error) Member(s, "continue_on_error", *step.continue_on_error);
  Extensions(s, step.extensions);
  s->End('{');
}

template <typename Sink>
void WritePipeline(Sink* s, const Pipeline& p) {
  s->Begin('{');
  Member(s, "version", p.version);
  Member(s, "name", p.name);
  if (!p.description.empty()) Member(s, "description", p.description);
  if (!p.params.empty()) {
    s->Key("params");
    s->Begin('{');
    for (const auto& [name, decl] : p.params) {
      s->Key(name);
      s->Begin('{');
      Member(s, "type", decl.type);
      if (decl.default_value) Member(s, "default", *decl.default_value);
      if (!decl.description.empty()) Member(s, "description", decl.description);
      s->End('{');
    }
    s->End('{');
  }
  if (!p.secrets.empty()) {
    s->Key("secrets");
    s->Begin('{');
    for (const auto& [name, decl] : p.secrets) {
      s->Key(name);
      s->Begin('{');
      Member(s, "from", decl.from);
      if (!decl.env.empty()) Member(s, "env", decl.env);
      if (!decl.description.empty()) Member(s, "description", decl.description);
      s->End('{');
    }
    s->End('{');
  }
  s->Key("steps");
  s->Begin('[');
  for (const Step& step : p.steps) WriteStep(s, step);
  s->End('[');
  if (!p.layout.empty()) {
    s->Key("layout");
    s->Begin('{');
    for (const auto& [id, pos] : p.layout) {
      s->Key(id);
      s->Begin('{');
      s->Key("x");
      s->PutNumber(pos.x);
      s->Key("y");
      s->PutNumber(pos.y);
      s->End('{');
    }
    s->End('{');
  }
  Extensions(s, p.extensions);
  s->End('{');
}

}  // namespace

std::string SavePipeline(const Pipeline& pipeline) {
  TreeSink tree;
  WritePipeline(&tree, pipeline);
  Writer w;
  w.Value(tree.Take(), 0, 0);
  std::string text = w.Take();
  text += '\n';
  return text;
}

std::string PipelineJsonLine(const Pipeline& pipeline) {
  TextSink text;
  WritePipeline(&text, pipeline);
  return text.Take();
}

std::string FormatJsonValue(const Json& value, int indent) {
  Writer w;
  size_t n = static_cast<size_t>(indent < 0 ? 0 : indent);
  w.Value(ToOrdered(value), n, n);
  return w.Take();
}

}  // namespace tame
