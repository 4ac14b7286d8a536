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
  std::string usage;  // the full help, after the "usage:" line
  std::vector<std::string> switches;
  std::vector<std::string> value_flags;
  int (*run)(const Args&);
  size_t min_positional;
  size_t max_positional;
};

const std::vector<Verb>& Verbs() {
  static const std::vector<Verb>* const verbs = new std::vector<Verb>{
      {"validate",
       "check pipeline files",
       "tame validate FILE...\n\n"
       "Checks each file: JSON syntax, known keys and kinds, params against the\n"
       "step-kind catalog, references, needs, cycles, durations and conditions.\n"
       "Prints every problem as FILE: /json/pointer: message.\n\n"
       "Exit status: 0 all valid, 2 a file is invalid.\n",
       {},
       {},
       CmdValidate,
       1,
       SIZE_MAX},
      {"fmt",
       "write a pipeline file in canonical form",
       "tame fmt [--check | -w] FILE...\n\n"
       "Prints each FILE in canonical form: 2-space indent, keys in a fixed\n"
       "order, a trailing newline. The same pipeline always gives the same bytes.\n\n"
       "  --check   print only the files that are not in canonical form\n"
       "  -w        rewrite each FILE in place (atomically) when it is not\n\n"
       "Exit status: 0 done (or already canonical), 1 --check found a\n"
       "difference, 2 a FILE is invalid.\n",
       {"--check", "-w"},
       {},
       CmdFmt,
       1,
       SIZE_MAX},
      {"plan",
       "show the execution levels",
       "tame plan FILE [--json] [--from STEP | --only STEP[,STEP]...]\n\n"
       "Shows the levels in which the steps run: level 1 needs nothing, each\n"
       "later level needs only earlier ones, and the steps of one level may run\n"
       "side by side. Steps with `cache` on say whether the cache of this folder\n"
       "would skip them, and if not, why.\n\n"
       "  --json         print the plan as JSON\n"
       "  --from STEP    show what 'tame run FILE --from STEP' would run, and which\n"
       "                 steps it would reuse from an earlier run\n"
       "  --only STEP    the same for 'tame run FILE --only STEP'; repeatable\n",
       {"--json"},
       {"--from", "--only"},
       CmdPlan,
       1,
       1},
      {"run",
       "run a pipeline on this machine",
       "tame run FILE [-j N] [--param NAME=VALUE]... [--secrets-file PATH]\n"
       "                [--log-format text|json] [--junit PATH] [--no-cache] [--dry-run]\n"
       "                [--from STEP | --only STEP[,STEP]...] [--run ID] [--key KEY]\n\n"
       "Runs the pipeline in FILE here, in the current folder (the workspace):\n"
       "each step starts once what it needs has finished, up to N at once, in a\n"
       "process group of its own, and its output goes to the console and to\n"
       ".tame/runs/<run-id>/logs/<step>.log. The run folder also holds\n"
       "journal.jsonl (every event, for 'tame resume') and report.json.\n\n"
       "  -j N, --jobs N         steps running at once (default: the number of cores)\n"
       "  --param NAME=VALUE     set a param declared in the pipeline; repeatable\n"
       "  --secrets-file PATH    NAME=VALUE lines for the pipeline's secrets; secrets\n"
       "                         not in it come from the environment\n"
       "  --log-format FORMAT    text (a live board on a terminal, timestamped lines\n"
       "                         elsewhere) or json (one JSON event per line)\n"
       "  --junit PATH           also write a JUnit XML report to PATH\n"
       "  --no-cache             run steps with `cache` on even when nothing changed\n"
       "                         (what they make is stored for the next run)\n"
       "  --dry-run              show what would run, and what the cache would skip;\n"
       "                         start nothing\n"
       "  --from STEP            run STEP and every step after it; the steps they\n"
       "                         need are not run: their outputs are reused from the\n"
       "                         latest run of this pipeline here (or --run ID)\n"
       "  --only STEP[,STEP]     run just these steps; repeatable; the steps they\n"
       "                         need are reused as with --from\n"
       "  --run ID               the earlier run to reuse steps from (or latest)\n"
       "  --key KEY              your SSH private key: signs the run's start, so that\n"
       "                         approvals with exclude_initiator know who started it\n"
       "                         (such a run does not start without it)\n\n"
       "Secrets are masked as *** in everything tame writes. Ctrl-C cancels the\n"
       "running steps and runs the `if: always` steps; a second Ctrl-C stops those.\n\n"
       "Environment: NO_COLOR turns colour off; TAME_KILL_GRACE (default 10s) is how\n"
       "long a stopped step has between TERM and KILL; TAME_CANCEL_GRACE (default\n"
       "30s) how long `always` steps may take after Ctrl-C.\n\n"
       "Exit status: 0 the pipeline succeeded, 1 it failed, 2 invalid input or\n"
       "usage, 130 interrupted.\n",
       {"--no-cache", "--dry-run"},
       {"-j", "--jobs", "--param", "--secrets-file", "--log-format", "--junit", "--from", "--only",
        "--run", "--key"},
       CmdRun,
       1,
       1},
      {"resume",
       "continue an interrupted run",
       "tame resume RUN [-j N] [--secrets-file PATH] [--log-format text|json]\n"
       "                [--junit PATH]\n\n"
       "Continues run RUN (its id, or the path of its folder under .tame/runs)\n"
       "after tame was stopped, even with SIGKILL. Steps the run's journal\n"
       "records as succeeded are not run again and their outputs are restored;\n"
       "the others run. The pipeline file must be unchanged; params and the\n"
       "secrets file are those the run started with unless given again.\n\n"
       "Exit status: as for 'tame run'; 2 also when the journal is damaged.\n",
       {},
       {"-j", "--jobs", "--secrets-file", "--log-format", "--junit"},
       CmdResume,
       1,
       1},
      {"runs",
       "list the recent runs in this folder",
       "tame runs [--json] [-n N]\n\n"
       "Lists the runs in .tame/runs of this folder, newest first: id, pipeline,\n"
       "start (UTC), duration and result (succeeded, failed, interrupted, or\n"
       "running while a tame still runs it).\n\n"
       "  --json    print the list as JSON\n"
       "  -n N      show the latest N runs (default 20; 0 for all)\n",
       {"--json"},
       {"-n"},
       CmdRuns,
       0,
       0},
      {"show",
       "summarise one run",
       "tame show RUN [--json]\n\n"
       "Prints what run RUN (its id, or latest) did, as 'tame run' sums it up at\n"
       "its end: each step's status, attempts and duration, the count of steps\n"
       "by status, and the last lines of the log of the step that failed.\n\n"
       "  --json    print the run's report.json\n\n"
       "Exit status: 0 shown, 2 no such run.\n",
       {"--json"},
       {},
       CmdShow,
       1,
       1},
      {"approve",
       "sign off an approval step a run waits on",
       "tame approve RUN STEP --key KEY [--reject] [--comment TEXT] [--as NAME]\n\n"
       "Signs a statement naming the run's pipeline, the run, the step and your\n"
       "decision with your SSH key (ssh-keygen -Y sign, namespace tame-approval)\n"
       "and puts it where the waiting step finds it. The step checks the signature\n"
       "against its allowed_signers file, counts one approval a person, and goes on\n"
       "once enough have signed; one rejection fails it.\n\n"
       "  --key KEY       your SSH private key\n"
       "  --reject        reject instead of approve\n"
       "  --comment TEXT  a remark kept in the audit trail\n"
       "  --as NAME       the approver to sign as, when the key is listed for several\n\n"
       "Exit status: 0 signed, 2 the run, step or key is not right.\n",
       {"--reject"},
       {"--key", "--comment", "--as"},
       CmdApprove,
       2,
       2},
      {"graph",
       "draw the dependency graph",
       "tame graph FILE --format dot|mermaid\n\n"
       "Prints the graph for Graphviz (dot) or Mermaid. Solid edges are needs;\n"
       "dashed edges carry outputs, labelled with their names.\n",
       {},
       {"--format"},
       CmdGraph,
       1,
       1},
      {"export",
       "write the pipeline for another engine or CI system",
       ExportUsage(),
       {},
       {"--to", "-o", "--image", "--tame-image"},
       CmdExport,
       1,
       1},
      {"doctor",
       "check that this host reaches what the pipeline needs",
       "tame doctor FILE [--json] [--param NAME=VALUE]... [--secrets-file PATH]\n\n"
       "From this host, through the credentials and proxies a run would use, checks\n"
       "what each step will reach: git remotes (ls-remote), the Docker engine (ping,\n"
       "version), registries (/v2/), each Kubernetes context (/version, the\n"
       "namespace, and whether it may patch Deployments there) and webhooks (a\n"
       "connection only; nothing is posted). One line per check, ok or FAIL; a\n"
       "failure names its class: name not found, connection refused, timed out (a\n"
       "firewall may drop it), proxy refused, certificate not trusted, certificate\n"
       "is for another name, unauthorized (401), forbidden (403). Nothing is changed.\n"
       "Exit status: 0 when everything answers, 1 otherwise, 2 for a bad file.\n\n"
       "  --json                 print an array of {step, kind, target, ok, problem}\n"
       "  --param NAME=VALUE     set a param declared in the pipeline; repeatable\n"
       "  --secrets-file PATH    NAME=VALUE lines for the pipeline's secrets\n",
       {"--json"},
       {"--param", "--secrets-file"},
       CmdDoctor,
       1,
       1},
      {"import",
       "turn a GitHub Actions or GitLab CI file into a pipeline",
       "tame import FILE [--from github-actions|gitlab-ci] [--keep-unknown]\n"
       "                 [--approvers A,B,C [--required N]] [-o OUT.json]\n\n"
       "Reads a GitHub Actions workflow or a .gitlab-ci.yml (the source is told\n"
       "from the content unless --from names it) and writes the tame pipeline in\n"
       "canonical form, laid out by plan levels, to stdout or OUT.json. Jobs\n"
       "become steps; needs, conditions, timeouts, env, inputs, secrets and\n"
       "outputs become tame's own; see docs/import.md.\n\n"
       "The fidelity report goes to stderr, one line per item with its place\n"
       "(FILE:LINE: job \"ID\", step N: note: ...). What cannot be imported\n"
       "(other actions, matrix, services, ...) is listed as 'not imported'.\n\n"
       "  --from SOURCE    github-actions or gitlab-ci\n"
       "  --keep-unknown   make what cannot be imported a step that fails with the\n"
       "                   reason, instead of failing the import\n"
       "  --approvers LIST who signs off jobs that use a GitHub environment: an\n"
       "                   approval step goes before each\n"
       "  --required N     how many of them must sign (default 1)\n"
       "  -o OUT.json      write the pipeline to OUT.json (atomically)\n\n"
       "Exit status: 0 imported (notes or not), 2 something could not be imported\n"
       "(nothing is written), the file is not a workflow, or the usage is wrong.\n",
       {"--keep-unknown"},
       {"--from", "-o", "--approvers", "--required"},
       CmdImport,
       1,
       1},
      {"kinds",
       "list the step kinds and their params",
       "tame kinds [KIND] [--json]\n\n"
       "Lists every step kind with its params (type, default, whether required)\n"
       "and outputs, or just KIND's.\n\n"
       "  --json    print the catalog as JSON\n",
       {"--json"},
       {},
       CmdKinds,
       0,
       1},
      {"schema",
       "print the pipeline file's JSON Schema",
       "tame schema\n\n"
       "Prints the JSON Schema (2020-12) of the pipeline file, generated from\n"
       "the step-kind catalog. schemas/pipeline.schema.json holds the same.\n",
       {},
       {},
       CmdSchema,
       0,
       0},
      {"init",
       "start a pipeline from a template",
       "tame init [--template NAME] [--list] [DIR]\n\n"
       "Writes DIR/pipeline.json (DIR defaults to this folder and is made if\n"
       "missing) from one of the designer's templates, byte for byte, adds\n"
       "'.tame/' (where runs are kept) to DIR/.gitignore, and prints what to\n"
       "run next. An existing pipeline.json is never overwritten.\n\n"
       "  --template NAME  the template (default ml-to-k8s)\n"
       "  --list           list the templates, one line each\n\n"
       "Exit status: 0 written, 2 pipeline.json exists, no such template, or\n"
       "DIR cannot be written.\n",
       {"--list"},
       {"--template"},
       CmdInit,
       0,
       1},
      {"designer",
       "serve the designer on this machine",
       "tame designer [FILE] [--port N] [--no-browser]\n\n"
       "Serves the designer's static site (build/web beside a built tame,\n"
       "/usr/share/tame/designer when installed) on 127.0.0.1, prints its\n"
       "address and opens it in the browser when there is a display (DISPLAY\n"
       "or WAYLAND_DISPLAY; xdg-open). FILE is served beside the page and the\n"
       "address names it, so the designer opens it; Save still downloads the\n"
       "file. Ctrl-C stops the server.\n\n"
       "  --port N       listen on port N (default: a free port)\n"
       "  --no-browser   only print the address\n\n"
       "Environment: TAME_DESIGNER_DIR serves that folder instead.\n\n"
       "Exit status: 130 stopped with Ctrl-C, 2 FILE or the port cannot be\n"
       "used, or the site is not installed.\n",
       {"--no-browser"},
       {"--port"},
       CmdDesigner,
       0,
       1},
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
    // Values may follow a flag (-j 2, --jobs 2), be joined to a long one
    // with '=' (--jobs=2), or to a short one directly (-j2), as in make.
    std::string value;
    size_t eq = arg.find('=');
    bool has_inline_value = arg.rfind("--", 0) == 0 && eq != std::string::npos;
    if (has_inline_value) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (arg.size() > 2 && arg[1] != '-' && Contains(verb.value_flags, arg.substr(0, 2))) {
      value = arg.substr(2);
      arg = arg.substr(0, 2);
      has_inline_value = true;
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
      return UsageError("unknown flag " + arg + " for 'tame " + verb.name + "'; see 'tame " +
                        verb.name + " --help'");
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

std::vector<VerbDoc> VerbDocs() {
  std::vector<VerbDoc> docs;
  for (const Verb& verb : Verbs()) {
    docs.push_back({verb.name, verb.summary, verb.usage, verb.switches, verb.value_flags});
  }
  return docs;
}

const char* Version() { return kVersion; }

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
  if (name == "__man") return PrintManPage();               // cli_docs.cc
  if (name == "__complete") return PrintCompletions(argc - 2, argv + 2);
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
