// The verbs that look back at runs: `tame runs` lists the runs of this
// folder, `tame show RUN` sums one up from its report.json. What a run
// folder holds is input (run_dir.h): text from it is printed with its
// control characters neutralised, on a terminal or not (a listing piped to
// `less -R` must not move the cursor either), and a step id read from a
// report names a log only when it is a valid step id.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "core/save.h"
#include "runner/cli.h"
#include "runner/files.h"
#include "runner/run/history.h"
#include "runner/run/journal.h"
#include "runner/run/report.h"
#include "runner/run/run_dir.h"
#include "runner/run/util.h"

namespace tame {
namespace {

constexpr size_t kMaxReportBytes = size_t{256} << 20;
constexpr size_t kFailureTailLines = 20;  // as many as 'tame run' shows

std::string CurrentFolder() {
  char buf[4096];
  return getcwd(buf, sizeof(buf)) == nullptr ? std::string(".") : std::string(buf);
}

bool ReadReport(const std::string& run_dir, Json* report) {
  std::string text;
  std::string error;
  if (!ReadFile(run_dir + "/report.json", kMaxReportBytes, &text, &error)) return false;
  *report = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return !report->is_discarded() && report->is_object();
}

// One line of `tame runs`: from report.json, or from the journal when the
// run stopped before it wrote one. A report that still says "running"
// while no tame holds the run belongs to a tame that was killed.
Json DescribeRun(const std::string& workspace, const std::string& id) {
  const std::string dir = workspace + "/.tame/runs/" + id;
  const bool live = RunInProgress(dir);
  Json report;
  Json row{{"id", id}, {"pipeline", ""}, {"started_at", ""}, {"duration_ms", nullptr}};
  std::string status;
  if (ReadReport(dir, &report)) {
    row["pipeline"] = Field(report, "pipeline", "");
    row["started_at"] = Field(report, "started_at", "");
    row["duration_ms"] = Field(report, "duration_ms", int64_t{0});
    status = Field(report, "status", "");
  } else {
    JournalContents journal;
    std::string error;
    if (ReadJournal(dir + "/journal.jsonl", &journal, &error)) {
      row["pipeline"] = Field(journal.events[0], "pipeline", "");
      row["started_at"] = Field(journal.events[0], "time", "");
    }
    status = "running";
  }
  if (status == "running" && !live) status = "interrupted";
  if (status.empty()) status = "unknown";
  row["status"] = status;
  return row;
}

std::string Pad(const std::string& text, size_t width) {
  return text + std::string(width > text.size() ? width - text.size() : 0, ' ');
}

// Prints rows as columns two spaces apart, the last one unpadded.
void PrintTable(std::vector<std::vector<std::string>> rows, const std::string& indent) {
  for (auto& row : rows) {
    for (std::string& cell : row) cell = NeutraliseControls(cell);
  }
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line = indent;
    for (size_t c = 0; c < row.size(); ++c) {
      line += c + 1 == row.size() ? row[c] : Pad(row[c], width[c]) + "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::cout << line << "\n";
  }
}

}  // namespace

int CmdRuns(const Args& args) {
  size_t limit = 20;
  const std::string n = args.Value("-n");
  if (!n.empty()) {
    char* end = nullptr;
    long value = std::strtol(n.c_str(), &end, 10);
    if (*end != '\0' || value < 0)
      return UsageError("-n takes a number of runs, not \"" + n + "\"");
    limit = value == 0 ? SIZE_MAX : static_cast<size_t>(value);
  }
  const std::string workspace = CurrentFolder();
  std::vector<std::string> ids = ListRunIds(workspace);
  if (ids.size() > limit) ids.resize(limit);
  Json runs = Json::array();
  for (const std::string& id : ids) runs.push_back(DescribeRun(workspace, id));
  if (args.Has("--json")) {
    std::cout << FormatJsonValue(runs) << "\n";
    return kExitOk;
  }
  if (runs.empty()) {
    std::cout << "no runs in .tame/runs of this folder\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows{{"RUN", "PIPELINE", "STARTED", "DURATION", "RESULT"}};
  for (const Json& run : runs) {
    const Json& ms = run["duration_ms"];
    rows.push_back({run["id"].get<std::string>(), run["pipeline"].get<std::string>(),
                    run["started_at"].get<std::string>(),
                    ms.is_number_integer() ? ShortDuration(ms.get<int64_t>()) : "-",
                    run["status"].get<std::string>()});
  }
  PrintTable(rows, "");
  return kExitOk;
}

int CmdShow(const Args& args) {
  RunFolder run;
  std::string error;
  if (!FindRun(CurrentFolder(), args.positional[0], &run, &error)) return UsageError(error);
  const std::string& id = run.id;
  const std::string& dir = run.dir;
  const std::string& shown_dir = run.display;
  Json report;
  if (!ReadReport(dir, &report)) {
    return UsageError("run " + id +
                      " has no readable report.json (it was stopped before it "
                      "wrote one); 'tame resume " +
                      id + "' continues it");
  }
  if (args.Has("--json")) {
    std::string text;
    ReadFile(dir + "/report.json", kMaxReportBytes, &text, &error);
    std::cout << text;
    return kExitOk;
  }
  std::string status = Field(report, "status", "");
  if (status == "running" && !RunInProgress(dir)) status = "interrupted";
  const std::string pipeline = NeutraliseControls(Field(report, "pipeline", ""));
  std::cout << "run " << id << " of " << pipeline << " ("
            << NeutraliseControls(Field(report, "file", "")) << "), started "
            << NeutraliseControls(Field(report, "started_at", "")) << "\n";
  ReportSummary summary = SummariseReport(report);
  const std::vector<StepTally>& tally = summary.tally;
  const std::string& failed = summary.failed;
  PrintTable(summary.rows, "  ");
  if (!failed.empty()) {
    const std::string log = shown_dir + "/logs/" + failed + ".log";
    std::vector<std::string> lines = LogTailOf(LogPath(dir, failed), kFailureTailLines);
    if (!lines.empty()) {
      std::cout << "last lines of " << failed << "'s log (" << log << "):\n";
      for (const std::string& line : lines) std::cout << "  " << NeutraliseControls(line) << "\n";
    }
  }
  std::cout << pipeline << ": " << NeutraliseControls(status) << " in "
            << ShortDuration(Field(report, "duration_ms", int64_t{0})) << " " << CountSteps(tally)
            << "; report in " << shown_dir << "/report.json\n";
  return kExitOk;
}

}  // namespace tame
