// The verbs that read a pipeline without running it: validate, fmt, plan,
// graph and schema.
#include <algorithm>
#include <iostream>

#include "core/catalog.h"
#include "core/graph.h"
#include "core/save.h"
#include "core/schema.h"
#include "core/validate.h"
#include "runner/cli.h"
#include "runner/files.h"
#include "runner/run/preview.h"

namespace tame {
namespace {

void PrintDiagnostics(const std::string& path, const Diagnostics& diagnostics) {
  for (const Diagnostic& d : diagnostics) {
    std::cerr << FormatDiagnostic(path, d) << "\n";
  }
}

// Reads and loads `path`, and validates it when `validate` is set; prints
// the problems and returns false when there are any.
bool LoadFile(const std::string& path, bool validate, Pipeline* out) {
  LoadOptions options;
  std::string text;
  std::string error;
  if (!ReadFile(path, options.limits.max_bytes, &text, &error)) {
    std::cerr << path << ": " << error << "\n";
    return false;
  }
  LoadResult result = validate ? LoadAndValidate(text, options) : LoadPipeline(text, options);
  if (!result.errors.empty()) {
    PrintDiagnostics(path, result.errors);
    return false;
  }
  *out = std::move(*result.pipeline);
  return true;
}

std::string Plural(size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string DotQuote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string MermaidLabel(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"') {
      out += "#quot;";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : sep) + item;
  return out;
}

}  // namespace

int CmdValidate(const Args& args) {
  bool all_valid = true;
  for (const std::string& path : args.positional) {
    Pipeline pipeline;
    if (!LoadFile(path, /*validate=*/true, &pipeline)) {
      all_valid = false;
      continue;
    }
    Plan plan;
    MakePlan(BuildGraph(pipeline), &plan);
    std::cout << path << ": valid, " << Plural(pipeline.steps.size(), "step") << " in "
              << Plural(plan.levels.size(), "level") << "\n";
  }
  return all_valid ? kExitOk : kExitInvalid;
}

namespace {

// Formats one file; returns an exit code as CmdFmt does.
int FormatOne(const std::string& path, bool check, bool write) {
  std::string original;
  std::string error;
  if (!ReadFile(path, LoadOptions().limits.max_bytes, &original, &error)) {
    std::cerr << path << ": " << error << "\n";
    return kExitInvalid;
  }
  // Formatting needs only a sound structure; what the values mean is
  // validate's business, as with gofmt and type errors.
  LoadResult result = LoadPipeline(original);
  if (!result.errors.empty()) {
    PrintDiagnostics(path, result.errors);
    return kExitInvalid;
  }
  std::string canonical = SavePipeline(*result.pipeline);
  if (check) {
    if (canonical == original) return kExitOk;
    std::cerr << path << ": not in canonical form; run 'tame fmt -w " << path << "'\n";
    return kExitFailed;
  }
  if (write) {
    if (canonical != original && !RewriteFile(path, canonical, &error)) {
      std::cerr << path << ": " << error << "\n";
      return kExitInvalid;
    }
    return kExitOk;
  }
  std::cout << canonical;
  return kExitOk;
}

}  // namespace

int CmdFmt(const Args& args) {
  if (args.Has("--check") && args.Has("-w")) {
    return UsageError("--check and -w do not go together");
  }
  int worst = kExitOk;
  for (const std::string& path : args.positional) {
    worst = std::max(worst, FormatOne(path, args.Has("--check"), args.Has("-w")));
  }
  return worst;
}

int CmdPlan(const Args& args) {
  const std::string& path = args.positional[0];
  Pipeline pipeline;
  if (!LoadFile(path, /*validate=*/true, &pipeline)) return kExitInvalid;
  Plan plan;
  Graph graph = BuildGraph(pipeline);
  MakePlan(graph, &plan);
  std::vector<CacheVerdict> cache = PreviewCacheHere(pipeline);  // runner/run/preview.h
  // --from / --only: the same selection 'tame run' makes (core's SelectSteps).
  std::vector<int> from;
  std::vector<int> only;
  std::string error;
  auto values = [&args](const char* flag) {
    auto it = args.values.find(flag);
    return it == args.values.end() ? std::vector<std::string>{} : it->second;
  };
  if (!ResolveStepIds(pipeline, values("--from"), &from, &error)) {
    return UsageError("--from: " + error);
  }
  if (!ResolveStepIds(pipeline, values("--only"), &only, &error)) {
    return UsageError("--only: " + error);
  }
  if (!from.empty() && !only.empty()) {
    return UsageError("--from and --only do not go together; give one of them");
  }
  const bool partial = !from.empty() || !only.empty();
  Selection selection = SelectSteps(graph, from, only);
  if (args.Has("--json")) {
    Json out = PlanJson(pipeline, plan, partial ? &selection : nullptr);
    for (size_t i = 0; i < pipeline.steps.size(); ++i) {
      if (cache[i].cacheable) {
        out["steps"][i]["cache"] = Json{{"skip", cache[i].skip}, {"reason", cache[i].reason}};
      }
    }
    std::cout << FormatJsonValue(out) << "\n";
    return kExitOk;
  }
  std::vector<std::string> notes(pipeline.steps.size());
  for (size_t i = 0; i < pipeline.steps.size(); ++i) {
    if (cache[i].cacheable) notes[i] = "  (cache: " + DescribeVerdict(cache[i]) + ")";
  }
  for (const std::string& line : PlanText(pipeline, plan, partial ? &selection : nullptr,
                                          from.empty() ? "--only" : "--from", notes)) {
    std::cout << line << "\n";
  }
  return kExitOk;
}

int CmdGraph(const Args& args) {
  const std::string format = args.Value("--format");
  if (format != "dot" && format != "mermaid") {
    return UsageError(format.empty() ? "graph needs --format dot or --format mermaid"
                                     : "unknown format \"" + format + "\"; use dot or mermaid");
  }
  Pipeline pipeline;
  if (!LoadFile(args.positional[0], /*validate=*/true, &pipeline)) return kExitInvalid;
  std::vector<Edge> edges = ListEdges(pipeline);
  std::string out;
  if (format == "dot") {
    out += "digraph " + DotQuote(pipeline.name) + " {\n";
    out += "  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"sans-serif\"];\n";
    for (const Step& step : pipeline.steps) {
      out += "  " + DotQuote(step.id) + " [label=" + DotQuote(step.id + "\n" + step.uses) + "];\n";
    }
    for (const Edge& e : edges) {
      out +=
          "  " + DotQuote(pipeline.steps[e.from].id) + " -> " + DotQuote(pipeline.steps[e.to].id);
      if (!e.outputs.empty()) {
        out += " [style=dashed, label=" + DotQuote(Join(e.outputs, ", ")) + "]";
      }
      out += ";\n";
    }
    out += "}\n";
  } else {
    // Nodes are named by index: step ids such as "end" are Mermaid keywords.
    out += "flowchart LR\n";
    for (size_t i = 0; i < pipeline.steps.size(); ++i) {
      const Step& step = pipeline.steps[i];
      out += "  s" + std::to_string(i) + "[\"" + MermaidLabel(step.id) + "<br/><small>" +
             MermaidLabel(step.uses) + "</small>\"]\n";
    }
    for (const Edge& e : edges) {
      std::string from = "s" + std::to_string(e.from);
      std::string to = "s" + std::to_string(e.to);
      if (e.outputs.empty()) {
        out += "  " + from + " --> " + to + "\n";
      } else {
        out += "  " + from + " -.->|" + MermaidLabel(Join(e.outputs, ", ")) + "| " + to + "\n";
      }
    }
  }
  std::cout << out;
  return kExitOk;
}

namespace {

// One param of `tame kinds --json`, its fields nested.
Json ParamJson(const ParamSpec& p) {
  Json param{
      {"name", p.name}, {"type", ParamTypeName(p.type)}, {"required", p.required}, {"doc", p.doc}};
  if (!p.default_json.empty()) param["default"] = Json::parse(p.default_json);
  if (!p.choices.empty()) param["choices"] = p.choices;
  if (!p.min.empty()) param["minimum"] = Json::parse(p.min);
  if (!p.max.empty()) param["maximum"] = Json::parse(p.max);
  if (!p.fields.empty()) {
    Json fields = Json::array();
    for (const ParamSpec& f : p.fields) fields.push_back(ParamJson(f));
    param["fields"] = fields;
  }
  return param;
}

// One param of `tame kinds`, then its fields indented below it.
void PrintParam(const ParamSpec& p, const std::string& indent) {
  std::string line = indent + p.name + ": " + ParamTypeName(p.type);
  if (!p.choices.empty()) line += " (" + Join(p.choices, ", ") + ")";
  if (!p.min.empty() && !p.max.empty()) {
    line += ", " + p.min + " to " + p.max;
  } else if (!p.min.empty()) {
    line += ", at least " + p.min;
  }
  if (p.required) line += ", required";
  if (!p.default_json.empty()) line += ", default " + p.default_json;
  std::cout << line << "\n" << indent << "  " << p.doc << "\n";
  for (const ParamSpec& f : p.fields) PrintParam(f, indent + "  ");
}

}  // namespace

int CmdKinds(const Args& args) {
  std::vector<const KindSpec*> kinds;
  for (const KindSpec& kind : Catalog()) {
    if (args.positional.empty() || args.positional[0] == kind.uses) kinds.push_back(&kind);
  }
  if (kinds.empty()) {
    std::vector<std::string> names;
    for (const KindSpec& kind : Catalog()) names.push_back(kind.uses);
    std::string suggestion = SuggestSpelling(args.positional[0], names);
    return UsageError("no step kind \"" + args.positional[0] + "\"" +
                      (suggestion.empty() ? "" : " (did you mean \"" + suggestion + "\"?)"));
  }
  if (args.Has("--json")) {
    Json out = Json::array();
    for (const KindSpec* kind : kinds) {
      Json params = Json::array();
      for (const ParamSpec& p : kind->params) params.push_back(ParamJson(p));
      Json outputs = Json::array();
      for (const OutputSpec& o : kind->outputs)
        outputs.push_back({{"name", o.name}, {"doc", o.doc}});
      out.push_back(Json{{"uses", kind->uses},
                         {"title", kind->title},
                         {"category", CategoryName(kind->category)},
                         {"doc", kind->doc},
                         {"params", params},
                         {"outputs", outputs},
                         {"declares_outputs", kind->declares_outputs}});
    }
    std::cout << FormatJsonValue(out) << "\n";
    return kExitOk;
  }
  for (const KindSpec* kind : kinds) {
    std::cout << kind->uses << "  (" << CategoryName(kind->category) << ")\n  " << kind->doc
              << "\n";
    for (const ParamSpec& p : kind->params) PrintParam(p, "    ");
    for (const OutputSpec& o : kind->outputs) {
      std::cout << "    output " << o.name << ": " << o.doc << "\n";
    }
    if (kind->declares_outputs) {
      std::cout << "    outputs: declared in the step's \"outputs\"\n";
    }
    std::cout << "\n";
  }
  return kExitOk;
}

int CmdSchema(const Args&) {
  std::cout << PipelineSchema();
  return kExitOk;
}

}  // namespace tame
