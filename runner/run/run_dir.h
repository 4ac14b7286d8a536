// The run folder, .tame/runs/<run-id>/, from birth to reading back: one
// home that creates it, locks it, finds it from what a user types, repairs
// its journal after a kill and validates what is read back from it.
//
// What tame reads back from a run folder is input like any other: a run
// folder may come from a CI artifact, a copy or a careless edit. So every
// path read back (the journal's "workspace", "file", "junit", a step's
// restored output files, a report's step ids) is checked to stay inside
// the run's own workspace or its run folder before tame acts on it, and
// logs are opened without following symbolic links.
//
// Sections: naming and finding runs; creating and locking; repairing;
// validating what is read back; logs.
#ifndef TAME_RUNNER_RUN_RUN_DIR_H_
#define TAME_RUNNER_RUN_RUN_DIR_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/pipeline.h"

namespace tame {

// ---- Naming and finding runs --------------------------------------------

/// A run folder as found on disk.
struct RunFolder {
  std::string id;         // the run id, the folder's name
  std::string workspace;  // absolute: the folder holding .tame/runs/<id>
  std::string dir;        // absolute: <workspace>/.tame/runs/<id>
  std::string display;    // as shown to people: .tame/runs/<id>
};

/// True when `id` can name a run folder: letters, digits, '.', '_' and '-',
/// not starting with '.', at most 128 bytes. Anything else (a '/', "..")
/// could lead a path out of .tame/runs.
bool IsRunId(const std::string& id);

/// The ids of the run folders in <workspace>/.tame/runs, newest first (run
/// ids sort by their start time).
std::vector<std::string> ListRunIds(const std::string& workspace);

/// The run that `run` names, seen from the folder `cwd`: a run id, "latest"
/// (the newest), or the path of a run folder (.tame/runs/<id>, relative or
/// absolute; its workspace is the folder above .tame). Returns false with
/// `error` set ("no run \"x\" in .tame/runs of this folder", with a
/// suggestion when one is close).
bool FindRun(const std::string& cwd, const std::string& run, RunFolder* out, std::string* error);

/// The newest run in `workspace` of the pipeline named `pipeline`. Returns
/// false with `error` set when there is none.
bool FindLatestRunOf(const std::string& workspace, const std::string& pipeline, std::string* run_id,
                     std::string* error);

// ---- Creating and locking -------------------------------------------------

/// Creates a new run folder under <workspace>/.tame/runs with a fresh id
/// (the UTC start time, then random hex). Returns false with `error` set.
bool CreateRunFolder(const std::string& workspace, RunFolder* out, std::string* error);

/// Locks the run's journal (creating it when `create`) for as long as tame
/// lives: a second tame cannot resume a run that is still going. Returns
/// false with `error` set ("run X is in use by another tame").
bool LockRunFolder(const RunFolder& run, bool create, std::string* error);

/// True when a tame still holds run folder `dir` (it is running or waiting).
bool RunInProgress(const std::string& dir);

// ---- Repairing --------------------------------------------------------------

/// Cuts a journal back to its last whole line, so appending goes on
/// cleanly. Returns false with `error` set.
bool RepairJournal(const std::string& path, off_t valid_bytes, std::string* error);

// ---- Validating what is read back ----------------------------------------

/// True when `path` (absolute, or relative to `folder`) names `folder` or
/// something inside it, once "." and ".." are resolved by name.
bool PathInside(const std::string& path, const std::string& folder);

/// Checks the run_started event of `run`'s journal before a resume acts on
/// it: "workspace" must be the run's own workspace, "file" a file inside
/// it, and "junit" (when set) inside the workspace or the run folder.
/// Returns false with `error` naming the file, line and field:
/// ".tame/runs/ID/journal.jsonl: line 1: \"junit\" (/etc/x) is outside ...".
/// `resume` also asks for every field a resume needs (hash, secrets_file,
/// junit); without it only file and workspace must be there.
bool CheckRunStarted(const RunFolder& run, const Json& started, bool resume, std::string* error);

/// True when `id` could be a step id (the pattern the validator enforces).
bool IsStepIdText(const std::string& id);

// ---- Logs -----------------------------------------------------------------

/// The path of step `step_id`'s log in run folder `dir`.
std::string LogPath(const std::string& dir, const std::string& step_id);

/// Opens step `step_id`'s log in run folder `dir` for appending, making
/// logs/ when needed. A symbolic link there is refused, not followed.
/// Returns the descriptor, or -1 with errno set.
int OpenLogForAppend(const std::string& dir, const std::string& step_id);

}  // namespace tame

#endif  // TAME_RUNNER_RUN_RUN_DIR_H_
