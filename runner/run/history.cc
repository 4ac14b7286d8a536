#include "runner/run/history.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "core/catalog.h"
#include "core/load.h"
#include "runner/run/journal.h"
#include "runner/run/util.h"

namespace tame {

bool ReadRecordedRun(const std::string& workspace, const std::string& run_id, RecordedRun* out,
                     std::string* error) {
  if (!IsRunId(run_id)) {
    *error = "no run \"" + run_id + "\" in .tame/runs of this folder";
    return false;
  }
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

RunStep RecordFromEvent(const Json& e, const std::string& uses) {
  RunStep r;
  const std::string status = Field(e, "status", "");
  for (StepStatus s : {StepStatus::kSucceeded, StepStatus::kFailed, StepStatus::kSkipped,
                       StepStatus::kCancelled}) {
    if (status == StepStatusName(s)) r.status = s;
  }
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
  const std::string key = KindDetailsKey(uses);
  auto details = key.empty() ? e.end() : e.find(key);
  if (details != e.end() && (details->is_object() || details->is_array())) {
    r.details = Json{{key, *details}};
  }
  return r;
}

namespace {

// Checks the outputs a journal recorded for step `step` (record.outputs)
// as input: a declared file output is its declared path; an output of the
// kind named "path" must stay inside the workspace; a name the step does
// not declare is dropped.
bool CheckRecordedOutputs(const RunState& state, int step, const std::string& where,
                          RunStep* record, std::string* error) {
  const Step& s = state.pipeline.steps[static_cast<size_t>(step)];
  const KindSpec* kind = FindKind(s.uses);
  for (auto it = record->outputs.begin(); it != record->outputs.end();) {
    auto declared = s.outputs.find(it->first);
    bool of_kind = false;
    if (kind != nullptr) {
      for (const OutputSpec& out : kind->outputs) of_kind = of_kind || out.name == it->first;
    }
    if (declared != s.outputs.end()) {
      if (!declared->second.path.empty()) it->second = declared->second.path;
    } else if (!of_kind) {
      it = record->outputs.erase(it);
      continue;
    } else if (it->first == "path" && !PathInside(it->second, state.workspace)) {
      *error = where + "step \"" + s.id + "\": \"outputs\".\"path\" (" + it->second +
               ") is outside the workspace " + state.workspace;
      return false;
    }
    if (it->second.find('\0') != std::string::npos) {
      *error = where + "step \"" + s.id + "\": \"outputs\".\"" + it->first + "\" holds a NUL byte";
      return false;
    }
    ++it;
  }
  if (!record->reused_from.empty() && !IsRunId(record->reused_from)) {
    *error = where + "step \"" + s.id + "\": \"reused_from\" is not a run id";
    return false;
  }
  return true;
}

// True when a step_ended event names outputs that held a secret: the
// journal has them only masked, so the step must run again to hand them on.
bool HeldSecrets(const Json& ended) {
  auto names = ended.find("secret_outputs");
  return names != ended.end() && names->is_array() && !names->empty();
}

std::string WhatBecameOf(const std::string& status) {
  if (status == "failed") return "it failed there";
  if (status == "skipped") return "it was skipped there";
  if (status == "cancelled") return "it was cancelled there";
  return "it did not run there";
}

}  // namespace

bool ReuseSteps(const RunState& state, const Selection& selection, const RecordedRun& run,
                const std::vector<std::string>& definitions, std::map<int, RunStep>* out,
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
    if (HeldSecrets(ended->second)) {
      *error = prefix + "its outputs held a secret, which run folders keep only masked";
      return false;
    }
    RunStep record = RecordFromEvent(ended->second, step.uses);
    if (!CheckRecordedOutputs(state, static_cast<int>(i),
                              ".tame/runs/" + run.id + "/journal.jsonl: ", &record, error)) {
      return false;
    }
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

namespace tame {

bool RestoredSteps(const RunState& state, const RunFolder& run, const std::vector<Json>& events,
                   std::map<int, RunStep>* out, std::string* error) {
  std::map<int, RunStep>& done = *out;
  for (size_t line = 0; line < events.size(); ++line) {
    const Json& e = events[line];
    if (Field(e, "event", "") != "step_ended" || !e.contains("step") || !e["step"].is_string()) {
      continue;
    }
    int step = state.pipeline.FindStep(e["step"].get<std::string>());
    if (step < 0) continue;
    if (Field(e, "status", "") != "succeeded" || HeldSecrets(e)) {
      done.erase(step);
      continue;
    }
    RunStep r = RecordFromEvent(e, state.pipeline.steps[static_cast<size_t>(step)].uses);
    const std::string where =
        run.display + "/journal.jsonl: line " + std::to_string(line + 1) + ": ";
    if (!CheckRecordedOutputs(state, step, where, &r, error)) return false;
    r.has_log = !r.cached && r.reused_from.empty();
    done[step] = r;
  }
  for (auto it = done.begin(); it != done.end();) {
    bool files_there = true;
    for (const auto& [name, decl] : state.pipeline.steps[it->first].outputs) {
      struct stat st;
      if (!decl.path.empty() && stat((state.workspace + "/" + decl.path).c_str(), &st) != 0) {
        files_there = false;
      }
    }
    it = files_there ? std::next(it) : done.erase(it);
  }
  return true;
}

ReportSummary SummariseReport(const Json& report) {
  ReportSummary out;
  const Json steps = report.is_object() ? report.value("steps", Json::array()) : Json::array();
  if (!steps.is_array()) return out;
  for (const Json& step : steps) {
    if (!step.is_object()) continue;
    const std::string step_status = Field(step, "status", "");
    const int64_t attempts = Field(step, "attempts", int64_t{0});
    const std::string reused = Field(step, "reused_from", "");
    std::string note;
    if (!reused.empty()) {
      note = "reused from run " + reused;
    } else if (Field(step, "restored", false)) {
      note = "restored";
    } else if (step_status == "failed") {
      note = Field(step, "error", "");
      const std::string id = Field(step, "id", "");
      if (out.failed.empty() && IsStepIdText(id)) out.failed = id;
    }
    bool ran = attempts > 0 && reused.empty();
    out.rows.push_back({Field(step, "id", ""), step_status,
                        std::to_string(attempts) + (attempts == 1 ? " attempt" : " attempts"),
                        ran ? ShortDuration(Field(step, "duration_ms", int64_t{0})) : "-", note});
    out.tally.push_back({step_status, Field(step, "restored", false), !reused.empty()});
  }
  return out;
}

}  // namespace tame
