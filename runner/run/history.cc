#include "runner/run/history.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "core/load.h"
#include "runner/run/journal.h"
#include "runner/run/util.h"

namespace tame {

std::vector<std::string> ListRunIds(const std::string& workspace) {
  std::vector<std::string> ids;
  const std::string runs = workspace + "/.tame/runs";
  DIR* dir = opendir(runs.c_str());
  if (dir == nullptr) return ids;
  while (struct dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name.empty() || name[0] == '.') continue;
    struct stat st;
    if (stat((runs + "/" + name).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) ids.push_back(name);
  }
  closedir(dir);
  std::sort(ids.rbegin(), ids.rend());
  return ids;
}

bool FindRun(const std::string& workspace, const std::string& run, std::string* run_id,
             std::string* error) {
  std::vector<std::string> ids = ListRunIds(workspace);
  if (run == "latest") {
    if (ids.empty()) {
      *error = "there are no runs in .tame/runs of this folder";
      return false;
    }
    *run_id = ids.front();
    return true;
  }
  if (std::find(ids.begin(), ids.end(), run) != ids.end()) {
    *run_id = run;
    return true;
  }
  std::string suggestion = SuggestSpelling(run, ids);
  *error = "no run \"" + run + "\" in .tame/runs of this folder" +
           (suggestion.empty() ? "" : " (did you mean \"" + suggestion + "\"?)");
  return false;
}

bool RunInProgress(const std::string& run_dir) {
  int fd = open((run_dir + "/journal.jsonl").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  // The tame that runs it holds an exclusive lock on its journal.
  bool held = flock(fd, LOCK_SH | LOCK_NB) != 0;
  close(fd);
  return held;
}

bool ReadRecordedRun(const std::string& workspace, const std::string& run_id, RecordedRun* out,
                     std::string* error) {
  out->id = run_id;
  out->dir = workspace + "/.tame/runs/" + run_id;
  JournalContents journal;
  if (!ReadJournal(out->dir + "/journal.jsonl", &journal, error)) {
    *error = ".tame/runs/" + run_id + "/" + *error;
    return false;
  }
  out->started = journal.events[0];
  out->steps.clear();
  for (const Json& e : journal.events) {
    if (Field(e, "event", "") != "step_ended") continue;
    std::string step = Field(e, "step", "");
    if (!step.empty()) out->steps[step] = e;
  }
  return true;
}

StepRecord RecordFromEvent(const Json& e) {
  StepRecord r;
  r.status = Field(e, "status", "");
  r.attempts = static_cast<int>(Field(e, "attempts", int64_t{0}));
  r.exit_code = static_cast<int>(Field(e, "exit_code", int64_t{-1}));
  r.duration_ms = Field(e, "duration_ms", int64_t{0});
  r.cached = Field(e, "cached", false);
  r.reused_from = Field(e, "reused_from", "");
  r.error = Field(e, "error", "");
  if (e.contains("outputs") && e["outputs"].is_object()) {
    for (auto it = e["outputs"].begin(); it != e["outputs"].end(); ++it) {
      if (it.value().is_string()) r.outputs[it.key()] = it.value().get<std::string>();
    }
  }
  if (e.contains("gate") && e["gate"].is_object()) r.gate = e["gate"];
  if (e.contains("approvals") && e["approvals"].is_array()) r.approvals = e["approvals"];
  if (e.contains("analysis") && e["analysis"].is_array()) r.analysis = e["analysis"];
  return r;
}

bool FindLatestRunOf(const std::string& workspace, const std::string& pipeline, std::string* run_id,
                     std::string* error) {
  for (const std::string& id : ListRunIds(workspace)) {
    JournalContents journal;
    std::string ignored;
    if (!ReadJournal(workspace + "/.tame/runs/" + id + "/journal.jsonl", &journal, &ignored)) {
      continue;
    }
    if (Field(journal.events[0], "pipeline", "") == pipeline) {
      *run_id = id;
      return true;
    }
  }
  *error = "no earlier run of pipeline \"" + pipeline +
           "\" in .tame/runs of this folder to reuse steps from; run the whole pipeline first";
  return false;
}

namespace {

std::string WhatBecameOf(const std::string& status) {
  if (status == "failed") return "it failed there";
  if (status == "skipped") return "it was skipped there";
  if (status == "cancelled") return "it was cancelled there";
  return "it did not run there";
}

}  // namespace

bool ReuseSteps(const RunState& state, const Selection& selection, const RecordedRun& run,
                const std::vector<std::string>& definitions, std::map<int, StepRecord>* out,
                std::string* error) {
  const Json* recorded_definitions = nullptr;
  auto defs = run.started.find("definitions");
  if (defs != run.started.end() && defs->is_object()) recorded_definitions = &*defs;
  for (size_t i = 0; i < state.pipeline.steps.size(); ++i) {
    if (!selection.reuse[i]) continue;
    const Step& step = state.pipeline.steps[i];
    const std::string prefix = "cannot reuse step \"" + step.id + "\" from run " + run.id + ": ";
    auto ended = run.steps.find(step.id);
    std::string status = ended == run.steps.end() ? "" : Field(ended->second, "status", "");
    if (status != "succeeded") {
      *error = prefix + WhatBecameOf(status);
      return false;
    }
    if (recorded_definitions == nullptr) {
      *error = prefix + "that run does not record the definitions of its steps";
      return false;
    }
    if (Field(*recorded_definitions, step.id.c_str(), "") != definitions[i]) {
      *error = prefix + "its definition changed since";
      return false;
    }
    StepRecord record = RecordFromEvent(ended->second);
    for (const auto& [name, decl] : step.outputs) {
      if (decl.path.empty()) {
        if (record.outputs.count(name) == 0) {
          *error = prefix + "its output \"" + name + "\" is not recorded there";
          return false;
        }
        continue;
      }
      struct stat st;
      if (stat((state.workspace + "/" + decl.path).c_str(), &st) != 0) {
        *error = prefix + "its output file " + decl.path + " is gone";
        return false;
      }
      record.outputs[name] = decl.path;
    }
    if (record.reused_from.empty()) record.reused_from = run.id;
    record.restored = false;
    (*out)[static_cast<int>(i)] = std::move(record);
  }
  return true;
}

}  // namespace tame
