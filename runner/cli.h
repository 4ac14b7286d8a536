// The `tame` command line: verbs, their flags and their help.
#ifndef TAME_RUNNER_CLI_H_
#define TAME_RUNNER_CLI_H_

#include <map>
#include <string>
#include <vector>

namespace tame {

/// Exit codes, as DESIGN.md fixes them.
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;   // the pipeline failed (or fmt --check found changes)
constexpr int kExitInvalid = 2;  // invalid input or usage
constexpr int kExitInterrupted = 130;

/// Runs the command line and returns the exit code.
int RunCli(int argc, char** argv);

/// A verb's arguments after flag parsing.
struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> values;  // --flag VALUE, repeatable
  std::map<std::string, bool> switches;                    // --flag

  bool Has(const std::string& flag) const { return switches.count(flag) > 0; }
  /// The last value given for `flag`, or `fallback`.
  std::string Value(const std::string& flag, const std::string& fallback = "") const;
};

/// The verbs of issue-sized areas, each in its own file.
int CmdValidate(const Args& args);
int CmdFmt(const Args& args);
int CmdPlan(const Args& args);
int CmdGraph(const Args& args);
int CmdSchema(const Args& args);
int CmdKinds(const Args& args);
int CmdExport(const Args& args);  // cli_export.cc
std::string ExportUsage();        // cli_export.cc: `tame export`'s help, from the targets
int CmdDoctor(const Args& args);  // cli_doctor.cc
int CmdImport(const Args& args);  // cli_import.cc
int CmdApprove(const Args& args);
int CmdRun(const Args& args);       // cli_run.cc
int CmdResume(const Args& args);    // cli_run.cc
int CmdRuns(const Args& args);      // cli_runs.cc
int CmdShow(const Args& args);      // cli_runs.cc
int CmdInit(const Args& args);      // cli_init.cc
int CmdDesigner(const Args& args);  // cli_designer.cc

/// One verb as its help describes it: the source of the man page and of
/// shell completion (cli_docs.cc).
struct VerbDoc {
  std::string name;
  std::string summary;
  std::string usage;  // the full help, after "usage: "
  std::vector<std::string> switches;
  std::vector<std::string> value_flags;
};

/// Every verb of `tame help`, in its order.
std::vector<VerbDoc> VerbDocs();

/// The version `tame --version` prints, "0.1.0".
const char* Version();

/// `tame __man`: prints the man page tame(1), made from the verbs' help.
int PrintManPage();

/// `tame __complete WHAT [ARG]`: the words bash completion offers (verbs,
/// flags VERB, steps FILE, runs, templates), one a line.
int PrintCompletions(int argc, char** argv);

/// Prints "tame: MESSAGE" to stderr and returns kExitInvalid.
int UsageError(const std::string& message);

}  // namespace tame

#endif  // TAME_RUNNER_CLI_H_
