#include "designer-wasm/run_view.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/gate.h"
#include "designer-wasm/fields.h"
#include "designer-wasm/theme.h"
#include "designer-wasm/wrapped_rows.h"

namespace tame::designer {
namespace {

// What the panel keeps of a log: its last lines, enough to see why a step
// failed without holding megabytes.
constexpr size_t kLogTailBytes = 32 * 1024;
constexpr int kLogTailLines = 200;

constexpr StepRunStatus kListedStatuses[] = {
    StepRunStatus::kSucceeded, StepRunStatus::kFailed,  StepRunStatus::kCached,
    StepRunStatus::kSkipped,   StepRunStatus::kWaiting, StepRunStatus::kRunning,
    StepRunStatus::kCancelled, StepRunStatus::kNotRun,  StepRunStatus::kUnknown};

// The words for a status: report.json's, but for a step waiting on people.
std::string StatusLabel(const StepRun& step) {
  if (step.status == StepRunStatus::kWaiting) return "waiting for approval";
  if (step.status == StepRunStatus::kUnknown) return step.status_text;
  return StepRunStatusName(step.status);
}

ImU32 RunStatusColor(const std::string& status) {
  if (status == "succeeded") return color::kOk;
  if (status == "failed") return color::kError;
  if (status == "running") return color::kAccent;
  return color::kWarning;  // interrupted
}

// The icon of a run's status: a step's that looks the same.
StepRunStatus RunStatusIcon(const std::string& status) {
  if (status == "succeeded") return StepRunStatus::kSucceeded;
  if (status == "failed") return StepRunStatus::kFailed;
  if (status == "running") return StepRunStatus::kRunning;
  return StepRunStatus::kCancelled;  // interrupted
}

std::string Shorten(const std::string& hash) {
  return hash.size() > 12 ? hash.substr(0, 12) + "..." : hash;
}

// "a, b and 3 more": the first few of a list of names.
std::string NameList(const std::vector<std::string>& names) {
  constexpr size_t kShown = 4;
  std::string out;
  for (size_t i = 0; i < names.size() && i < kShown; ++i) {
    out += (i == 0 ? "" : ", ") + names[i];
  }
  if (names.size() > kShown) out += " and " + std::to_string(names.size() - kShown) + " more";
  return out;
}

// A table of facts: labels in a narrow column, values wrapped in the rest.
bool BeginFacts(const char* id) {
  if (!ImGui::BeginTable(id, 2)) return false;
  // 80 pixels at the default text size.
  ImGui::TableSetupColumn("label", ImGuiTableColumnFlags_WidthFixed,
                          std::round(80.0f * ImGui::GetFontSize() / kDefaultTextSize));
  ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthStretch);
  return true;
}

void TableRow(const char* label, const std::string& value, ImU32 color = 0) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::TextDisabled("%s", label);
  ImGui::TableNextColumn();
  if (color != 0) ImGui::PushStyleColor(ImGuiCol_Text, ToVec4(color));
  ImGui::TextWrapped("%s", value.c_str());
  if (color != 0) ImGui::PopStyleColor();
}

// Wrapped text in one colour.
void TextWrappedColored(ImU32 color, const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, ToVec4(color));
  ImGui::TextWrapped("%s", text.c_str());
  ImGui::PopStyleColor();
}

void Heading(const std::string& text) {
  ImGui::Spacing();
  TextWrappedColored(color::kTextDim, text);
  ImGui::Separator();
}

// A status icon inline with text, as tall as a line; `dy` lowers it to
// text aligned to frame padding.
void InlineIcon(StepRunStatus status, float dy = 0) {
  const float size = ImGui::GetTextLineHeight();
  ImVec2 at = ImGui::GetCursorScreenPos();
  at.y += dy;
  DrawStatusIcon(ImGui::GetWindowDrawList(), ImVec2(at.x + 0.5f * size, at.y + 0.5f * size),
                 0.5f * size - 0.5f, status);
  ImGui::Dummy(ImVec2(size, size));
  ImGui::SameLine();
}

}  // namespace

ImU32 StatusColor(StepRunStatus status) {
  switch (status) {
    case StepRunStatus::kSucceeded:
      return color::kOk;
    case StepRunStatus::kFailed:
      return color::kError;
    case StepRunStatus::kSkipped:
      return color::kSkipped;
    case StepRunStatus::kCached:
      return color::kCached;
    case StepRunStatus::kCancelled:
      return color::kCancelled;
    case StepRunStatus::kWaiting:
      return color::kWarning;
    case StepRunStatus::kRunning:
      return color::kAccent;
    case StepRunStatus::kNotRun:
      return color::kNotRun;
    case StepRunStatus::kUnknown:
      return color::kUnknown;
  }
  return color::kTextDim;
}

// Icons are drawn, not typed: the designer's bitmap font has ASCII only.
void DrawStatusIcon(ImDrawList* draw, ImVec2 c, float r, StepRunStatus status) {
  const ImU32 fill = StatusColor(status);
  const ImU32 ink = color::kIconInk;
  const float w = std::max(1.5f, 0.22f * r);
  if (status == StepRunStatus::kNotRun) {
    draw->AddCircle(c, r - 0.5f * w, fill, 0, w);
    return;
  }
  draw->AddCircleFilled(c, r, fill);
  auto p = [&](float x, float y) { return ImVec2(c.x + x * r, c.y + y * r); };
  switch (status) {
    case StepRunStatus::kSucceeded: {
      const ImVec2 check[] = {p(-0.45f, 0.02f), p(-0.12f, 0.35f), p(0.48f, -0.3f)};
      draw->AddPolyline(check, 3, ink, 0, w);
      break;
    }
    case StepRunStatus::kFailed:
      draw->AddLine(p(-0.38f, -0.38f), p(0.38f, 0.38f), ink, w);
      draw->AddLine(p(-0.38f, 0.38f), p(0.38f, -0.38f), ink, w);
      break;
    case StepRunStatus::kSkipped:
      for (float x : {-0.38f, 0.08f}) {
        const ImVec2 chevron[] = {p(x, -0.35f), p(x + 0.3f, 0.0f), p(x, 0.35f)};
        draw->AddPolyline(chevron, 3, ink, 0, w);
      }
      break;
    case StepRunStatus::kCached: {
      // A circular arrow: reused, not run again.
      draw->PathArcTo(c, 0.48f * r, -0.4f, 4.2f, 14);
      draw->PathStroke(ink, 0, w);
      const ImVec2 tip = p(0.48f * std::cos(-0.4f), 0.48f * std::sin(-0.4f));
      draw->AddTriangleFilled(ImVec2(tip.x - 0.32f * r, tip.y - 0.05f * r),
                              ImVec2(tip.x + 0.25f * r, tip.y - 0.18f * r),
                              ImVec2(tip.x + 0.02f * r, tip.y + 0.3f * r), ink);
      break;
    }
    case StepRunStatus::kCancelled:
      draw->AddLine(p(-0.42f, 0), p(0.42f, 0), ink, 1.4f * w);
      break;
    case StepRunStatus::kWaiting:  // an hourglass
      draw->AddTriangleFilled(p(-0.36f, -0.45f), p(0.36f, -0.45f), p(0, 0), ink);
      draw->AddTriangleFilled(p(0, 0), p(0.36f, 0.45f), p(-0.36f, 0.45f), ink);
      break;
    case StepRunStatus::kRunning:
      for (float x : {-0.42f, 0.0f, 0.42f}) draw->AddCircleFilled(p(x, 0), 0.13f * r, ink);
      break;
    case StepRunStatus::kUnknown:
      draw->AddCircleFilled(c, 0.2f * r, ink);
      break;
    case StepRunStatus::kNotRun:
      break;
  }
}

std::string FormatDuration(int64_t ms) {
  char text[48];
  if (ms < 1000) {
    std::snprintf(text, sizeof text, "%lld ms", static_cast<long long>(ms));
  } else if (ms < 60000) {
    std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(ms) / 1000);
  } else if (ms < 3600000) {
    std::snprintf(text, sizeof text, "%lld min %lld s", static_cast<long long>(ms / 60000),
                  static_cast<long long>(ms / 1000 % 60));
  } else {
    std::snprintf(text, sizeof text, "%lld h %lld min", static_cast<long long>(ms / 3600000),
                  static_cast<long long>(ms / 60000 % 60));
  }
  return text;
}

// ---- The run -----------------------------------------------------------------

std::vector<std::string> RunView::Open(const std::string& name, const std::string& text) {
  RunReportResult result = ReadRunReport(text);
  if (!result.report) return FormatProblems(name, result.errors);
  report_ = std::move(result.report);
  ++report_serial_;
  name_ = name;
  logs_.clear();
  revision_ = UINT64_MAX;
  select_tab = true;
  return {};
}

void RunView::Close() {
  report_.reset();
  logs_.clear();
  match_ = RunMatch();
  pipeline_only_.clear();
  notes_.clear();
}

void RunView::SetLog(const std::string& id, const std::string& text) {
  size_t start = text.size() > kLogTailBytes ? text.size() - kLogTailBytes : 0;
  int lines = 0;
  for (size_t i = text.size(); i > start; --i) {
    if (text[i - 1] == '\n' && i != text.size() && ++lines == kLogTailLines) {
      start = i;
      break;
    }
  }
  logs_[id] = text.substr(start);
}

void RunView::Sync(const Document& doc) {
  if (!report_ || revision_ == doc.revision()) return;
  revision_ = doc.revision();
  match_ = MatchRun(doc.pipeline(), *report_);
  pipeline_only_.clear();
  for (size_t i = 0; i < match_.run_step.size(); ++i) {
    if (match_.run_step[i] < 0) pipeline_only_.push_back(static_cast<int>(i));
  }
  hash_matches_ = PipelineHashMatches(doc.pipeline(), report_->pipeline_hash);
  UpdateNotes(doc);
}

const StepRun* RunView::StepOf(int index) const {
  if (!report_ || index < 0 || static_cast<size_t>(index) >= match_.run_step.size()) {
    return nullptr;
  }
  const int step = match_.run_step[index];
  return step < 0 ? nullptr : &report_->steps[step];
}

// ---- The banner ----------------------------------------------------------------

// What the banner says below its first line, worked out once per document
// revision: whether the run was of this pipeline, and which steps do not
// line up.
void RunView::UpdateNotes(const Document& doc) {
  notes_.clear();
  const RunReport& run = *report_;
  if (!hash_matches_) {
    notes_.push_back(
        {"run/hash-differs",
         run.pipeline_hash.empty()
             ? "This run's report gives no pipeline_hash: it may be of another version of the "
               "pipeline. Steps are matched by id."
             : "This run is of another version of the pipeline: its pipeline_hash " +
                   Shorten(run.pipeline_hash) +
                   " is not the open pipeline's. Steps are matched by id."});
  }
  if (pipeline_only_.empty() && RunOnly().empty()) return;
  std::string text;
  if (doc.size() > 0 && pipeline_only_.size() == doc.size()) {
    text = "None of the open pipeline's steps is in this run; open the pipeline it ran (" +
           run.pipeline + ").";
  } else {
    if (!pipeline_only_.empty()) {
      std::vector<std::string> ids;
      for (int i : pipeline_only_) ids.push_back(doc.pipeline().steps[i].id);
      text = "Not in this run: " + NameList(ids) + ".";
    }
    if (!RunOnly().empty()) {
      std::vector<std::string> ids;
      for (int i : RunOnly()) ids.push_back(run.steps[i].id);
      text += (text.empty() ? "" : "  ") + std::string("In the run but not in the pipeline: ") +
              NameList(ids) + ".";
    }
  }
  notes_.push_back({"run/unmatched", text});
}

// The banner's first part, "Run ID of PIPELINE: STATUS in TIME", as words
// of their own colours that flow onto more lines in a narrow canvas; the
// Close button stays at the right of the first line.
std::vector<RunView::Word> RunView::BannerWords() const {
  const RunReport& run = *report_;
  return {{"Run", color::kTextDim},
          {run.run, color::kText},
          {"of " + run.pipeline + ":", color::kTextDim},
          {run.status.empty() ? "no status" : run.status, RunStatusColor(run.status)},
          {"in " + FormatDuration(run.duration_ms), color::kTextDim}};
}

namespace {

const char kCloseRun[] = "Close run";

// Where each word goes: its line and its x from the left of the content;
// the first line starts at `first_x` and ends before `first_end`.
std::vector<std::pair<int, float>> FlowWords(const std::vector<std::string>& words, float first_x,
                                             float first_end, float end) {
  std::vector<std::pair<int, float>> at;
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  int line = 0;
  float x = first_x;
  bool line_empty = true;
  for (const std::string& word : words) {
    const float w = ImGui::CalcTextSize(word.c_str()).x;
    if (!line_empty && x + w > (line == 0 ? first_end : end)) {
      ++line;
      x = 0;
    }
    at.push_back({line, x});
    x += w + spacing;
    line_empty = false;
  }
  return at;
}

float CloseRunWidth() {
  return ImGui::CalcTextSize(kCloseRun).x + 2 * ImGui::GetStyle().FramePadding.x;
}

// The height of the banner's first part when its words take `lines` lines.
float HeadHeight(int lines) {
  return ImGui::GetFrameHeight() +
         static_cast<float>(lines - 1) *
             (ImGui::GetTextLineHeight() + ImGui::GetStyle().ItemSpacing.y);
}

}  // namespace

int RunView::BannerHeadLines(float content_width) const {
  std::vector<std::string> words;
  for (const Word& word : BannerWords()) words.push_back(word.text);
  const ImGuiStyle& style = ImGui::GetStyle();
  const float icon = ImGui::GetTextLineHeight() + style.ItemSpacing.x;
  const auto at =
      FlowWords(words, icon, content_width - CloseRunWidth() - style.ItemSpacing.x, content_width);
  return at.empty() ? 1 : at.back().first + 1;
}

float RunView::BannerHeight(float width) const {
  if (!report_) return 0;
  const ImGuiStyle& style = ImGui::GetStyle();
  const float wrap = std::max(1.0f, width - 2 * style.WindowPadding.x);
  float height = HeadHeight(BannerHeadLines(wrap)) + 2 * style.WindowPadding.y;
  for (const auto& note : notes_) {
    const ImVec2 text = ImGui::CalcTextSize(note.second.c_str(), nullptr, false, wrap);
    height += style.ItemSpacing.y + text.y;
  }
  return height;
}

void RunView::DrawBanner() {
  if (!report_) return;
  const ImGuiStyle& style = ImGui::GetStyle();
  const float content_width = ImGui::GetContentRegionAvail().x;
  const ImVec2 start = ImGui::GetCursorScreenPos();
  const float line = ImGui::GetTextLineHeight();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  DrawStatusIcon(draw, ImVec2(start.x + 0.5f * line, start.y + style.FramePadding.y + 0.5f * line),
                 0.5f * line - 0.5f, RunStatusIcon(report_->status));
  const std::vector<Word> words = BannerWords();
  std::vector<std::string> texts;
  for (const Word& word : words) texts.push_back(word.text);
  const auto at = FlowWords(texts, line + style.ItemSpacing.x,
                            content_width - CloseRunWidth() - style.ItemSpacing.x, content_width);
  for (size_t i = 0; i < words.size(); ++i) {
    const float y = at[i].first == 0 ? style.FramePadding.y
                                     : HeadHeight(at[i].first + 1) - style.FramePadding.y - line;
    const ImVec2 pos(start.x + at[i].second, start.y + y);
    ImGui::SetCursorScreenPos(pos);
    ImGui::Dummy(ImGui::CalcTextSize(words[i].text.c_str()));
    if (i == 1) fields::Mark("run/banner");
    draw->AddText(pos, words[i].color, words[i].text.c_str());
  }
  ImGui::SetCursorScreenPos(ImVec2(start.x + content_width - CloseRunWidth(), start.y));
  if (ImGui::Button(kCloseRun)) Close();
  fields::Mark("run/close");
  if (!report_) return;
  const int lines = at.empty() ? 1 : at.back().first + 1;
  ImGui::SetCursorScreenPos(ImVec2(start.x, start.y + HeadHeight(lines) + style.ItemSpacing.y));
  ImGui::PushStyleColor(ImGuiCol_Text, ToVec4(color::kWarning));
  for (const auto& [mark, text] : notes_) {
    ImGui::TextWrapped("%s", text.c_str());
    fields::Mark(mark);
  }
  ImGui::PopStyleColor();
}

// ---- The Run tab -----------------------------------------------------------------

void RunView::DrawPanel(Editor& editor) {
  if (!report_) {
    ImGui::TextWrapped("No run is shown.");
    ImGui::Spacing();
    TextDimWrapped(
        "Open a run's report.json with File > Open run report... (pick its "
        "logs/*.log files with it to see their tails), drop it on the page, or "
        "link to the page with ?report=path/to/report.json.");
    return;
  }
  const Document& doc = editor.doc();
  const int index = doc.IndexOf(editor.SingleSelected());
  if (index >= 0) {
    const Step& step = doc.pipeline().steps[index];
    if (ImGui::SmallButton("< Run")) editor.ClearSelection();
    fields::Mark("run/back");
    ImGui::Spacing();
    if (const StepRun* record = StepOf(index)) {
      DrawStep(*record);
    } else {
      ImGui::TextWrapped("Step \"%s\" is not in this run.", step.id.c_str());
      fields::Mark("run/step-not-in-run");
      TextDimWrapped("The run has no step with this id: it was added or renamed since.");
    }
    return;
  }
  DrawSummary(editor);
}

void RunView::DrawSummary(Editor& editor) {
  const RunReport& run = *report_;
  if (BeginFacts("run-facts")) {
    TableRow("Run", run.run);
    TableRow("Pipeline", run.pipeline);
    TableRow("Status", run.status, RunStatusColor(run.status));
    if (!run.started_at.empty()) TableRow("Started", run.started_at);
    TableRow("Took", FormatDuration(run.duration_ms));
    TableRow("Report", name_);
    ImGui::EndTable();
  }
  // How many steps ended each way.
  Heading("Steps");
  // The counts flow onto as many lines as the panel's width needs.
  bool first = true;
  for (StepRunStatus status : kListedStatuses) {
    const auto count = std::count_if(run.steps.begin(), run.steps.end(),
                                     [&](const StepRun& s) { return s.status == status; });
    if (count == 0) continue;
    const std::string text =
        std::to_string(count) + " " +
        (status == StepRunStatus::kUnknown ? "of other statuses" : StepRunStatusName(status));
    const float w = ImGui::GetTextLineHeight() + ImGui::GetStyle().ItemSpacing.x +
                    ImGui::CalcTextSize(text.c_str()).x;
    if (!first) {
      ImGui::SameLine(0, 14);
      if (ImGui::GetCursorPosX() + w > ImGui::GetWindowContentRegionMax().x) ImGui::NewLine();
    }
    first = false;
    InlineIcon(status);
    ImGui::TextUnformatted(text.c_str());
  }
  TextDimWrapped("Select a step to see its outputs and log.");

  DrawStepList(editor);
}

// The run's steps, a row each: its status icon, its id (dimmed when the
// pipeline has no such step), its duration at the right, and below them
// why it failed or was skipped. Rows wrap to the panel's width; only those
// in view are drawn.
void RunView::DrawStepList(Editor& editor) {
  const RunReport& run = *report_;
  const Document& doc = editor.doc();
  ImGui::BeginChild("run-steps");
  const ImGuiStyle& style = ImGui::GetStyle();
  const float width = ImGui::GetContentRegionAvail().x;
  const float line = ImGui::GetFontSize();
  const float text_x = line + style.ItemSpacing.x;  // after the icon
  float duration_w = 0;
  for (const StepRun& step : run.steps) {
    duration_w =
        std::max(duration_w, ImGui::CalcTextSize(FormatDuration(step.duration_ms).c_str()).x);
  }
  const float id_w = std::max(4 * line, width - text_x - duration_w - style.ItemSpacing.x);
  auto label = [&](const StepRun& step) {
    return doc.Find(step.id) ? step.id : step.id + "  (not in the pipeline)";
  };
  auto height = [&](int i) {
    const StepRun& step = run.steps[i];
    float h = WrappedHeight(label(step), id_w);
    if (!step.error.empty()) h += WrappedHeight(step.error, width - text_x);
    return h;
  };
  const uint64_t key = doc.revision() * 0x9E3779B97F4A7C15ull + report_serial_;
  rows_.Update(static_cast<int>(run.steps.size()), width, key, height);
  const float top = ImGui::GetCursorPosY();
  const auto [first, last] = rows_.Visible(top);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  for (int i = first; i < last; ++i) {
    const StepRun& step = run.steps[i];
    ImGui::SetCursorPosY(top + rows_.Top(i));
    const ImVec2 at = ImGui::GetCursorScreenPos();
    ImGui::PushID(i);
    const NodeId node = doc.Find(step.id);
    if (ImGui::Selectable("##row", false, node ? 0 : ImGuiSelectableFlags_Disabled,
                          ImVec2(width, rows_.Height(i)))) {
      editor.SetSelection({node});
      editor.focus_request = node;
    }
    ImGui::PopID();
    fields::Mark("run/list/" + step.id);
    DrawStatusIcon(draw, ImVec2(at.x + 0.5f * line, at.y + 0.5f * line), 0.5f * line - 0.5f,
                   step.status);
    const std::string name = label(step);
    DrawWrapped(draw, ImVec2(at.x + text_x, at.y),
                ImGui::GetColorU32(node ? ImGuiCol_Text : ImGuiCol_TextDisabled), name, id_w);
    const std::string took = FormatDuration(step.duration_ms);
    draw->AddText(ImVec2(at.x + width - ImGui::CalcTextSize(took.c_str()).x, at.y),
                  ImGui::GetColorU32(ImGuiCol_TextDisabled), took.c_str());
    if (!step.error.empty()) {
      const float below = WrappedHeight(name, id_w);
      const ImU32 why = step.status == StepRunStatus::kFailed ? color::kError : color::kTextDim;
      DrawWrapped(draw, ImVec2(at.x + text_x, at.y + below), why, step.error, width - text_x);
    }
  }
  rows_.End(top);
  ImGui::EndChild();
}

void RunView::DrawStep(const StepRun& step) {
  InlineIcon(step.status);
  ImGui::TextWrapped("%s", step.id.c_str());
  TextWrappedColored(StatusColor(step.status), StatusLabel(step));
  fields::Mark("run/step/status");
  if (BeginFacts("step-facts")) {
    if (!step.name.empty()) TableRow("Name", step.name);
    if (!step.uses.empty()) TableRow("Kind", step.uses);
    TableRow("Attempts", std::to_string(step.attempts));
    TableRow("Duration", FormatDuration(step.duration_ms));
    if (step.exit_code) TableRow("Exit code", std::to_string(*step.exit_code));
    if (step.cached || !step.reused_from.empty()) {
      TableRow("Cached", step.reused_from.empty() ? "yes" : "from run " + step.reused_from);
    }
    ImGui::EndTable();
  }
  if (!step.error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ToVec4(color::kError));
    ImGui::TextWrapped("%s", step.error.c_str());
    ImGui::PopStyleColor();
    fields::Mark("run/step/error");
  }

  if (!step.outputs.empty()) {
    Heading("Outputs");
    if (BeginFacts("outputs")) {
      for (const auto& [name, value] : step.outputs) TableRow(name.c_str(), value);
      ImGui::EndTable();
    }
    fields::Mark("run/step/outputs");
  }

  if (step.gate) {
    Heading("Gate on " + step.gate->file);
    const ImGuiTableFlags flags = ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg;
    if (ImGui::BeginTable("gate", 4, flags)) {
      ImGui::TableSetupColumn("metric");
      ImGui::TableSetupColumn("rule");
      ImGui::TableSetupColumn("value");
      ImGui::TableSetupColumn("baseline");
      ImGui::TableHeadersRow();
      for (const GateRowRun& row : step.gate->rows) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        InlineIcon(row.pass ? StepRunStatus::kSucceeded : StepRunStatus::kFailed);
        ImGui::TextUnformatted(row.metric.c_str());
        ImGui::TableNextColumn();
        ImGui::Text("%s %s", row.op.c_str(), row.threshold.c_str());
        ImGui::TableNextColumn();
        ImGui::TextColored(ToVec4(row.pass ? color::kOk : color::kError), "%s",
                           row.value.empty() ? "missing" : row.value.c_str());
        ImGui::TableNextColumn();
        ImGui::TextDisabled("%s", row.baseline.empty() ? "-" : row.baseline.c_str());
      }
      ImGui::EndTable();
    }
    fields::Mark("run/step/gate");
  }

  if (!step.analysis.empty()) {
    Heading("Release analysis");
    const ImGuiTableFlags flags = ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg;
    if (ImGui::BeginTable("analysis", 3, flags)) {
      ImGui::TableSetupColumn("#");
      ImGui::TableSetupColumn("metric");
      ImGui::TableSetupColumn("value");
      ImGui::TableHeadersRow();
      for (const Measurement& m : step.analysis) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::Text("%d", m.index + 1);
        ImGui::TableNextColumn();
        InlineIcon(m.verdict == Verdict::kPassed   ? StepRunStatus::kSucceeded
                   : m.verdict == Verdict::kFailed ? StepRunStatus::kFailed
                                                   : StepRunStatus::kSkipped);
        ImGui::TextUnformatted(m.metric.c_str());
        ImGui::TableNextColumn();
        const std::string value = m.value ? FormatNumber(*m.value) : "no value";
        ImGui::TextColored(ToVec4(m.verdict == Verdict::kPassed   ? color::kOk
                                  : m.verdict == Verdict::kFailed ? color::kError
                                                                  : color::kWarning),
                           "%s %s", value.c_str(), VerdictName(m.verdict));
        if (!m.note.empty() && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", m.note.c_str());
      }
      ImGui::EndTable();
    }
    fields::Mark("run/step/analysis");
  }

  if (!step.approvals.empty()) {
    Heading("Sign-offs");
    for (const ApprovalRun& a : step.approvals) {
      InlineIcon(!a.accepted              ? StepRunStatus::kSkipped
                 : a.decision == "reject" ? StepRunStatus::kFailed
                                          : StepRunStatus::kSucceeded);
      ImGui::TextWrapped("%s: %s", a.who.c_str(), a.decision.c_str());
      ImGui::Indent(ImGui::GetFontSize() + ImGui::GetStyle().ItemSpacing.x);
      TextWrappedColored(color::kTextDim, a.at);
      if (!a.comment.empty()) ImGui::TextWrapped("\"%s\"", a.comment.c_str());
      if (!a.key_fingerprint.empty())
        TextWrappedColored(color::kTextDim, "key " + a.key_fingerprint);
      if (!a.accepted) {
        TextWrappedColored(color::kWarning,
                           "not counted" + (a.reason.empty() ? "" : ": " + a.reason));
      }
      ImGui::Unindent(ImGui::GetFontSize() + ImGui::GetStyle().ItemSpacing.x);
    }
    fields::Mark("run/step/approvals");
  }
  DrawLog(step);
}

void RunView::DrawLog(const StepRun& step) {
  auto it = logs_.find(step.id);
  if (it == logs_.end()) {
    Heading("Log");
    TextDimWrapped(step.log.empty()
                       ? "This step wrote no log."
                       : "Its log, " + step.log + ", was not found next to the report.");
    return;
  }
  Heading("Log (its end)");
  ImGui::PushStyleColor(ImGuiCol_ChildBg, ToVec4(color::kLogBackground));
  ImGui::BeginChild(("log/" + step.id).c_str(), ImVec2(0, 0), true);
  // Long lines wrap: a log tail is read, not scrolled sideways.
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextUnformatted(it->second.data(), it->second.data() + it->second.size());
  ImGui::PopTextWrapPos();
  fields::Mark("run/step/log/text");
  // Follows the end, as a terminal does, until the user scrolls up.
  if (ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 1 || ImGui::IsWindowAppearing()) {
    ImGui::SetScrollHereY(1.0f);
  }
  ImGui::EndChild();
  ImGui::PopStyleColor();
  fields::Mark("run/step/log");
}

}  // namespace tame::designer
