#include "runner/cli.h"

#include <cstdio>
#include <iostream>

#include "core/load.h"
#include "runner/steps/step.h"

namespace tame {
namespace {

constexpr char kVersion[] = "0.1.0";

struct Verb {
  const char* name;
  const char* summary;
  const char* usage;  // the full help, after the "usage:" line
  std::vector<std::string> switches;
  std::vector<std::string> value_flags;
  int (*run)(const Args&);
  size_t min_positional;
  size_t max_positional;
};

const std::vector<Verb>& Verbs() {
  static const std::vector<Verb>* const verbs = new std::vector<Verb>{
      {"validate", "check pipeline files",
       "tame validate FILE...\n\n"
       "Checks each file: JSON syntax, known keys and kinds, params against the\n"
       "step-kind catalog, references, needs, cycles, durations and conditions.\n"
       "Prints every problem as FILE: /json/pointer: message.\n\n"
       "Exit status: 0 all valid, 2 a file is invalid.\n",
       {}, {}, CmdValidate, 1, SIZE_MAX},
      {"fmt", "write a pipeline file in canonical form",
       "tame fmt [--check | -w] FILE...\n\n"
       "Prints each FILE in canonical form: 2-space indent, keys in a fixed\n"
       "order, a trailing newline. The same pipeline always gives the same bytes.\n\n"
       "  --check   print only the files that are not in canonical form\n"
       "  -w        rewrite each FILE in place (atomically) when it is not\n\n"
       "Exit status: 0 done (or already canonical), 1 --check found a\n"
       "difference, 2 a FILE is invalid.\n",
       {"--check", "-w"}, {}, CmdFmt, 1, SIZE_MAX},
      {"plan", "show the execution levels",
       "tame plan FILE [--json]\n\n"
       "Shows the levels in which the steps run: level 1 needs nothing, each\n"
       "later level needs only earlier ones, and the steps of one level may run\n"
       "side by side.\n\n"
       "  --json    print the plan as JSON\n",
       {"--json"}, {}, CmdPlan, 1, 1},
      {"graph", "draw the dependency graph",
       "tame graph FILE --format dot|mermaid\n\n"
       "Prints the graph for Graphviz (dot) or Mermaid. Solid edges are needs;\n"
       "dashed edges carry outputs, labelled with their names.\n",
       {}, {"--format"}, CmdGraph, 1, 1},
      {"kinds", "list the step kinds and their params",
       "tame kinds [KIND] [--json]\n\n"
       "Lists every step kind with its params (type, default, whether required)\n"
       "and outputs, or just KIND's.\n\n"
       "  --json    print the catalog as JSON\n",
       {"--json"}, {}, CmdKinds, 0, 1},
      {"schema", "print the pipeline file's JSON Schema",
       "tame schema\n\n"
       "Prints the JSON Schema (2020-12) of the pipeline file, generated from\n"
       "the step-kind catalog. schemas/pipeline.schema.json holds the same.\n",
       {}, {}, CmdSchema, 0, 0},
  };
  return *verbs;
}

void PrintHelp() {
  std::cout << "tame " << kVersion
            << ": run delivery pipelines drawn in the tame designer\n\n"
               "usage: tame VERB [ARGS]\n\nverbs:\n";
  for (const Verb& verb : Verbs()) {
    std::printf("  %-10s %s\n", verb.name, verb.summary);
  }
  std::cout << "  help       show this help, or a verb's: tame help VERB\n\n"
               "Run 'tame VERB --help' for a verb's flags.\n"
               "Exit status: 0 success, 1 the pipeline failed, 2 invalid input or\n"
               "usage, 130 interrupted.\n";
}

const Verb* FindVerb(const std::string& name) {
  for (const Verb& verb : Verbs()) {
    if (name == verb.name) return &verb;
  }
  return nullptr;
}

void PrintVerbHelp(const Verb& verb) { std::cout << "usage: " << verb.usage; }

bool Contains(const std::vector<std::string>& list, const std::string& s) {
  for (const std::string& item : list) {
    if (item == s) return true;
  }
  return false;
}

int RunVerb(const Verb& verb, int argc, char** argv) {
  Args args;
  bool flags_done = false;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (flags_done || arg.empty() || arg[0] != '-' || arg == "-") {
      args.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      PrintVerbHelp(verb);
      return kExitOk;
    }
    std::string value;
    size_t eq = arg.find('=');
    bool has_inline_value = arg.rfind("--", 0) == 0 && eq != std::string::npos;
    if (has_inline_value) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    if (Contains(verb.switches, arg) && !has_inline_value) {
      args.switches[arg] = true;
    } else if (Contains(verb.value_flags, arg)) {
      if (!has_inline_value) {
        if (i + 1 >= argc) return UsageError(arg + " needs a value");
        value = argv[++i];
      }
      args.values[arg].push_back(value);
    } else {
      return UsageError("unknown flag " + arg + " for 'tame " + verb.name +
                        "'; see 'tame " + verb.name + " --help'");
    }
  }
  if (args.positional.size() < verb.min_positional ||
      args.positional.size() > verb.max_positional) {
    std::string usage = verb.usage;
    return UsageError("usage: " + usage.substr(0, usage.find('\n')));
  }
  return verb.run(args);
}

}  // namespace

std::string Args::Value(const std::string& flag, const std::string& fallback) const {
  auto it = values.find(flag);
  return it == values.end() || it->second.empty() ? fallback : it->second.back();
}

int UsageError(const std::string& message) {
  std::cerr << "tame: " << message << "\n";
  return kExitInvalid;
}

int RunCli(int argc, char** argv) {
  if (argc < 2) {
    PrintHelp();
    return kExitInvalid;
  }
  std::string name = argv[1];
  if (name == "__step") return RunStepProcess(argc, argv);  // see steps/step.h
  if (name == "--version" || name == "version") {
    std::cout << "tame " << kVersion << " (pipeline format 1)\n";
    return kExitOk;
  }
  if (name == "help" || name == "--help" || name == "-h") {
    if (argc > 2) {
      const Verb* verb = FindVerb(argv[2]);
      if (verb == nullptr) return UsageError("no verb \"" + std::string(argv[2]) + "\"");
      PrintVerbHelp(*verb);
    } else {
      PrintHelp();
    }
    return kExitOk;
  }
  const Verb* verb = FindVerb(name);
  if (verb == nullptr) {
    std::vector<std::string> names;
    for (const Verb& v : Verbs()) names.push_back(v.name);
    std::string suggestion = SuggestSpelling(name, names);
    return UsageError("unknown verb \"" + name + "\"" +
                      (suggestion.empty() ? "" : " (did you mean \"" + suggestion + "\"?)") +
                      "; see 'tame help'");
  }
  return RunVerb(*verb, argc - 2, argv + 2);
}

}  // namespace tame
