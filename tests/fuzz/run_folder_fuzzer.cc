// libFuzzer harness for what tame reads back from a run folder, which is
// input like any other: journals (the readers of `tame resume` and
// `tame approve`) and report.json files (`tame show`, `tame runs` and the
// designer's report view, core/run_report). The first byte picks the
// reader, the rest is the file. Whatever the bytes, nothing may crash, and
// what the checks accept must hold what they promise.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/run_report.h"
#include "runner/run/history.h"
#include "runner/run/journal.h"
#include "runner/run/run_dir.h"
#include "runner/run/util.h"

namespace {

void Check(bool ok, const char* what, const std::string& detail) {
  if (ok) return;
  std::fprintf(stderr, "broken: %s\n%s\n", what, detail.c_str());
  std::abort();
}

const tame::RunFolder& Folder() {
  static const tame::RunFolder folder{"20261206T000000.000Z-00", "/w",
                                      "/w/.tame/runs/20261206T000000.000Z-00",
                                      ".tame/runs/20261206T000000.000Z-00"};
  return folder;
}

void Journal(const std::string& text) {
  tame::JournalContents journal;
  std::string error;
  if (!tame::ParseJournal(text, &journal, &error)) return;
  Check(!journal.events.empty() && journal.events[0].is_object(), "accepted an empty journal",
        text);
  Check(journal.valid_bytes <= static_cast<off_t>(text.size()), "valid_bytes past the end", text);
  const tame::Json& started = journal.events[0];
  if (tame::CheckRunStarted(Folder(), started, /*resume=*/true, &error)) {
    const std::string junit = started["junit"].get<std::string>();
    Check(junit.empty() || tame::PathInside(junit, "/w"), "junit outside the workspace", junit);
    // The pipeline file may be anywhere (its hash is checked when it is
    // read), but always absolute and never inside .tame.
    const std::string file = started["file"].get<std::string>();
    Check(!file.empty() && file[0] == '/' && !tame::PathInside(file, "/w/.tame"),
          "a relative file or one inside .tame", text);
  }
  for (const tame::Json& e : journal.events) {
    tame::RunStep r = tame::RecordFromEvent(e, tame::Field(e, "uses", "metrics.gate"));
    (void)tame::NeutraliseControls(r.error);
    (void)tame::Field(e, "step", "");
  }
}

void Report(const std::string& text) {
  tame::RunReportResult result = tame::ReadRunReport(text);
  tame::Json report = tame::Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (report.is_discarded()) return;
  tame::ReportSummary summary = tame::SummariseReport(report);
  Check(summary.failed.empty() || tame::IsStepIdText(summary.failed), "log of a bad step id",
        summary.failed);
  for (const auto& row : summary.rows) {
    for (const std::string& cell : row) {
      std::string shown = tame::NeutraliseControls(cell);
      Check(shown.find('\x1b') == std::string::npos, "an escape went through", cell);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    Journal(text);
  } else {
    Report(text);
  }
  return 0;
}
