#include "designer-wasm/app.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/templates.h"
#include "designer-wasm/fields.h"
#include "designer-wasm/keys.h"
#include "designer-wasm/theme.h"
#include "imgui.h"
#include "imgui_internal.h"  // ImGui::ClearActiveID, to commit a field before saving

namespace tame::designer {
namespace {

constexpr ImGuiWindowFlags kPanel = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                                    ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings |
                                    ImGuiWindowFlags_NoBringToFrontOnFocus |
                                    ImGuiWindowFlags_NoTitleBar;
constexpr double kAutosaveDelay = 0.4;  // seconds of quiet before autosaving

// A menu and its items, with their places marked for the page's test API
// ("menu/File", "menu/File/Save").
bool BeginMenu(const char* label) {
  const bool open = ImGui::BeginMenu(label);
  fields::Mark(std::string("menu/") + label);
  return open;
}

bool MenuItem(const char* menu, const char* label, const char* shortcut = nullptr,
              bool enabled = true) {
  const bool chosen = ImGui::MenuItem(label, shortcut, false, enabled);
  fields::Mark(std::string("menu/") + menu + "/" + label);
  return chosen;
}

void PlacePanel(float x, float y, float w, float h) {
  ImGui::SetNextWindowPos(ImVec2(x, y));
  ImGui::SetNextWindowSize(ImVec2(std::max(w, 1.0f), std::max(h, 1.0f)));
}

}  // namespace

// ---- Frame statistics --------------------------------------------------------

void FrameStats::Add(double ms, int draw_calls, int vertices) {
  if (times_.size() < static_cast<size_t>(kWindow)) {
    times_.push_back(ms);
  } else {
    times_[next_] = ms;
  }
  next_ = (next_ + 1) % kWindow;
  ++frames_;
  draw_calls_ = draw_calls;
  vertices_ = vertices;
}

double FrameStats::MedianMs() const {
  if (times_.empty()) return 0;
  std::vector<double> sorted = times_;
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
  return sorted[sorted.size() / 2];
}

// ---- From the page -------------------------------------------------------------

namespace {

bool IsWorkflowName(const std::string& name) {
  for (const char* ext : {".yml", ".yaml"}) {
    const size_t n = std::strlen(ext);
    if (name.size() > n && name.compare(name.size() - n, n, ext) == 0) return true;
  }
  return false;
}

std::vector<std::string> ReportLines(const std::string& report) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < report.size()) {
    size_t end = report.find('\n', start);
    if (end == std::string::npos) end = report.size();
    lines.push_back(report.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace

std::vector<std::string> App::OpenText(const std::string& name, const std::string& text) {
  if (IsWorkflowName(name)) return ImportText(name, text);
  return editor_.Open(name, text);
}

// A workflow runs through core's importer, here in the browser as in the
// CLI. What cannot be imported becomes a step that fails with the reason
// (--keep-unknown), so that the whole workflow can be seen and fixed; when
// nothing can be read, the pipeline being edited stays as it was.
std::vector<std::string> App::ImportText(const std::string& name, const std::string& text) {
  ImportOptions options;
  options.keep_unknown = true;
  ImportResult result = ImportWorkflow(text, name, options);
  std::string report = FormatImportReport(name, result);
  std::vector<std::string> lines = ReportLines(report);
  if (result.Failed()) {
    editor_.open_errors = lines;
    editor_.open_errors_intro = "This is not a workflow tame can import:";
    editor_.show_open_errors = true;
    editor_.Post(Severity::kError, "Could not import " + name + "; nothing was changed");
    return lines;
  }
  std::string stem = name.substr(0, name.find_last_of('.'));
  editor_.Open(stem + ".json", result.text);
  import_report_ = report;
  import_items_ = result.items;
  import_header_ = lines.empty() ? "" : lines[0];
  show_import_report_ = true;
  return lines;
}

std::vector<std::string> App::OpenReport(const std::string& name, const std::string& text) {
  std::vector<std::string> errors = run_.Open(name, text);
  if (!errors.empty()) {
    editor_.open_errors = errors;
    editor_.open_errors_intro = "This is not a run report tame can read:";
    editor_.show_open_errors = true;
    editor_.Post(Severity::kError, "Could not open the run report " + name);
    return errors;
  }
  // A report brings the pipeline it ran: opened with it, unless the one
  // open is that pipeline, as it ran or since edited (same name), whose
  // differences the run view marks.
  const RunReport& report = run_.report();
  const Document& doc = editor_.doc();
  const bool same = (!report.pipeline_hash.empty() &&
                     PipelineHashMatches(doc.pipeline(), report.pipeline_hash)) ||
                    (doc.size() > 0 && doc.pipeline().name == report.pipeline);
  std::string opened;
  if (!same && !report.pipeline_source.empty()) {
    const std::string file = (report.pipeline.empty() ? "pipeline" : report.pipeline) + ".json";
    const uint64_t before = editor_.doc().revision();
    editor_.Open(file, report.pipeline_source);
    if (editor_.doc().revision() != before) opened = " with its pipeline " + file;
  }
  run_.Sync(editor_.doc());
  editor_.Post(Severity::kInfo, "Showing run " + report.run + " from " + name + opened);
  return errors;
}

void App::PasteText(const std::string& text) {
  if (ImGui::GetIO().WantTextInput) {
    field_paste_ += text;
    return;
  }
  std::optional<Position> at = editor_.paste_at;
  editor_.paste_at.reset();
  editor_.Paste(text, at);
}

// In a text field, Ctrl+C and Ctrl+X copy its selected text (ImGui cuts it
// itself); elsewhere they copy the selected steps.
std::string App::CopyText(bool cut) {
  if (ImGui::GetIO().WantTextInput) return fields::SelectedText();
  std::string text = editor_.CopySelection();
  if (cut && !text.empty()) editor_.DeleteSelection();
  return text;
}

void App::ShareReady(const std::string& url) {
  share_url_ = url;
  open_share_ = true;
}

// ---- A frame -------------------------------------------------------------------

void App::Frame() {
  fields::BeginFrame();
  // Text pasted into a field arrives while Ctrl is down, and ImGui drops
  // characters typed with Ctrl held: the field takes them as typed keys.
  ImGuiIO& io = ImGui::GetIO();
  if (!field_paste_.empty() && io.WantTextInput) {
    io.KeyCtrl = false;
    io.KeySuper = false;
    io.AddInputCharactersUTF8(field_paste_.c_str());
  }
  field_paste_.clear();
  editor_.ApplyDeferredSelection();
  editor_.Prune();
  run_.Sync(editor_.doc());
  // The canvas marks what a partial plan runs while the Plan tab shows it.
  editor_.plan_marks.reset();
  if (plan_tab_shown_ && editor_.doc().plan() != nullptr) {
    ScopedPlan scoped = ScopePlan(editor_);
    if (!scoped.flag.empty()) editor_.plan_marks = std::move(scoped.selection);
  }
  HandleShortcuts();
  DrawMenuBar();
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float top = ImGui::GetFrameHeight();
  // The status line: two text lines tall (26 pixels at the default size).
  const float status_height = std::round(2.0f * ImGui::GetFontSize());
  DrawPanels(top, display.y - status_height);
  DrawStatusBar(status_height);
  DrawDialogs();
  DrawHelp(&show_help_);
  connect_.Draw(editor_);
  const std::string edge_from = fields::DrawRefPicker();
  const NodeId target = editor_.SingleSelected();
  if (!edge_from.empty() && target) {
    const int index = editor_.doc().IndexOf(target);
    const std::string to = index >= 0 ? editor_.doc().pipeline().steps[index].id : "this step";
    editor_.Post(Severity::kInfo, "Inserted a reference to " + edge_from +
                                      "'s output: it adds the edge " + edge_from + " -> " + to);
  }
  fields::SetRefChoices(nullptr);
  AfterFrame();
}

// The panels around the canvas: the palette on the left, the side tabs on
// the right, the problems below; each can be hidden (View menu) and resized
// by dragging its edge, and the sizes are remembered across visits.
void App::DrawPanels(float top, float bottom) {
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float height = bottom - top;
  const float palette_w =
      show_palette_ ? std::clamp(layout_.palette, 140.0f, std::max(140.0f, 0.35f * display.x)) : 0;
  const float side_w =
      show_side_ ? std::clamp(layout_.side, 240.0f, std::max(240.0f, 0.5f * display.x)) : 0;
  const float canvas_w = std::max(1.0f, display.x - palette_w - side_w);
  // The problems panel is one line while there are none.
  const float full = editor_.doc().problems().empty() || QuietEmpty(editor_)
                         ? ImGui::GetFrameHeightWithSpacing() + 6.0f
                         : std::clamp(layout_.problems, 60.0f, 0.6f * height);
  const float problems_h = show_problems_ ? full : 0.0f;

  if (show_palette_) {
    PlacePanel(0, top, palette_w, height);
    if (ImGui::Begin("Palette", nullptr, kPanel)) palette_.Draw(editor_, canvas_);
    ImGui::End();
  }

  const float banner_h = run_.BannerHeight(canvas_w);
  if (banner_h > 0) {
    PlacePanel(palette_w, top, canvas_w, banner_h);
    ImGui::PushStyleColor(ImGuiCol_WindowBg, ImGui::GetStyleColorVec4(ImGuiCol_MenuBarBg));
    if (ImGui::Begin("Run banner", nullptr, kPanel | ImGuiWindowFlags_NoScrollbar)) {
      run_.DrawBanner();
    }
    ImGui::End();
    ImGui::PopStyleColor();
  }

  PlacePanel(palette_w, top + banner_h, canvas_w, height - problems_h - banner_h);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 0.0f);
  if (ImGui::Begin("Canvas", nullptr,
                   kPanel | ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse)) {
    // Nodes keep their size whatever the text size: the canvas zooms.
    ImGui::PushFont(CanvasFont());
    canvas_.Draw(editor_);
    ImGui::PopFont();
  }
  fields::MarkRect("canvas", ImGui::GetWindowPos(),
                   ImVec2(ImGui::GetWindowPos().x + ImGui::GetWindowSize().x,
                          ImGui::GetWindowPos().y + ImGui::GetWindowSize().y));
  ImGui::End();
  ImGui::PopStyleVar(2);

  if (show_problems_) {
    PlacePanel(palette_w, bottom - problems_h, canvas_w, problems_h);
    if (ImGui::Begin("Problems", nullptr, kPanel)) problems_.Draw(editor_);
    ImGui::End();
  }

  if (show_side_) DrawSide(display.x - side_w, top, side_w, height);

  // The edges that resize the panels, over them.
  bool changed = false;
  if (show_palette_) {
    float w = palette_w;
    if (Splitter("palette", ImVec2(palette_w - 3, top), ImVec2(6, height), false, &w)) {
      layout_.palette = w;
      changed = true;
    }
  }
  if (show_side_) {
    float w = side_w;
    if (Splitter("side", ImVec2(display.x - side_w - 3, top), ImVec2(6, height), false, &w)) {
      layout_.side = 2 * side_w - w;  // dragging left widens it
      changed = true;
    }
  }
  if (show_problems_ && full > ImGui::GetFrameHeightWithSpacing() + 6.0f) {
    float h = problems_h;
    if (Splitter("problems", ImVec2(palette_w, bottom - problems_h - 3), ImVec2(canvas_w, 6), true,
                 &h)) {
      layout_.problems = 2 * problems_h - h;
      changed = true;
    }
  }
  if (changed) SaveLayout();
}

// A thin handle over a panel's edge; dragging it moves `*size` with the
// mouse. Returns true while it changes.
bool App::Splitter(const char* name, ImVec2 at, ImVec2 size, bool horizontal, float* value) {
  ImGui::SetNextWindowPos(at);
  ImGui::SetNextWindowSize(size);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowMinSize, ImVec2(1, 1));
  const std::string id = std::string("##split-") + name;
  ImGui::Begin(id.c_str(), nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoBackground |
                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoMove);
  ImGui::InvisibleButton("##handle", size);
  fields::Mark(std::string("split/") + name);
  const bool active = ImGui::IsItemActive();
  if (ImGui::IsItemHovered() || active) {
    ImGui::SetMouseCursor(horizontal ? ImGuiMouseCursor_ResizeNS : ImGuiMouseCursor_ResizeEW);
    ImGui::GetWindowDrawList()->AddRectFilled(at, ImVec2(at.x + size.x, at.y + size.y),
                                              color::kAccentFaint);
  }
  ImGui::End();
  ImGui::PopStyleVar(2);
  const ImVec2 delta = ImGui::GetIO().MouseDelta;
  if (!active || (horizontal ? delta.y : delta.x) == 0) return false;
  *value += horizontal ? delta.y : delta.x;
  return true;
}

void App::SaveLayout() {
  Json settings = {{"palette", layout_.palette},
                   {"side", layout_.side},
                   {"problems", layout_.problems},
                   {"showPalette", show_palette_},
                   {"showSide", show_side_},
                   {"showProblems", show_problems_},
                   {"showMinimap", canvas_.show_minimap}};
  look_.Save(&settings);
  editor_.platform().SaveSettings(settings.dump());
}

void App::LoadLayout(const std::string& text) {
  const Json settings = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!settings.is_object()) return;
  auto number = [&](const char* key, float* out) {
    auto it = settings.find(key);
    if (it != settings.end() && it->is_number()) *out = it->get<float>();
  };
  auto flag = [&](const char* key, bool* out) {
    auto it = settings.find(key);
    if (it != settings.end() && it->is_boolean()) *out = it->get<bool>();
  };
  number("palette", &layout_.palette);
  number("side", &layout_.side);
  number("problems", &layout_.problems);
  flag("showPalette", &show_palette_);
  flag("showSide", &show_side_);
  flag("showProblems", &show_problems_);
  flag("showMinimap", &canvas_.show_minimap);
  look_.Load(settings);
}

void App::DrawSide(float x, float top, float width, float height) {
  PlacePanel(x, top, width, height);
  if (ImGui::Begin("Side", nullptr, kPanel)) {
    if (ImGui::BeginTabBar("side-tabs")) {
      const bool inspector = ImGui::BeginTabItem("Inspector");
      fields::Mark("tab/Inspector");
      if (inspector) {
        ImGui::BeginChild("inspector");
        inspector_.Draw(editor_);
        ImGui::EndChild();
        ImGui::EndTabItem();
      }
      const bool plan = ImGui::BeginTabItem("Plan");
      fields::Mark("tab/Plan");
      plan_tab_shown_ = plan;
      if (plan) {
        DrawPlan(editor_);
        ImGui::EndTabItem();
      }
      const ImGuiTabItemFlags run_flags = run_.select_tab ? ImGuiTabItemFlags_SetSelected : 0;
      run_.select_tab = false;
      const bool run = ImGui::BeginTabItem("Run", nullptr, run_flags);
      fields::Mark("tab/Run");
      if (run) {
        ImGui::BeginChild("run");
        run_.DrawPanel(editor_);
        ImGui::EndChild();
        ImGui::EndTabItem();
      }
      const bool source = ImGui::BeginTabItem("Source");
      fields::Mark("tab/Source");
      if (source) {
        source_.Draw(editor_);
        ImGui::EndTabItem();
      }
      ImGui::EndTabBar();
    }
  }
  ImGui::End();
}

void App::DrawStatusBar(float height) {
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  PlacePanel(0, display.y - height, display.x, height);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(10, 5));
  if (ImGui::Begin("Status", nullptr, kPanel | ImGuiWindowFlags_NoScrollbar)) {
    const StatusMessage& status = editor_.status();
    const double age = ImGui::GetTime() - status.time;
    // Messages clear on their own, errors after a longer look.
    const double shown_for = status.severity == Severity::kError ? 15.0 : 6.0;
    if (!status.text.empty() && age < shown_for) {
      const ImU32 color = status.severity == Severity::kError ? color::kError : color::kTextDim;
      ImGui::TextColored(ToVec4(color), "%s", status.text.c_str());
    }
    const Document& doc = editor_.doc();
    const size_t problems = QuietEmpty(editor_) ? 0 : doc.problems().size();
    char right[200];
    std::snprintf(right, sizeof right, "%s%s  |  %zu %s  |  %zu %s  |  %.0f%%",
                  editor_.file_name().c_str(), doc.Modified() ? " (edited)" : "", doc.size(),
                  doc.size() == 1 ? "step" : "steps", problems,
                  problems == 1 ? "problem" : "problems", 100.0 * canvas_.zoom());
    const float width = ImGui::CalcTextSize(right).x;
    ImGui::SameLine(std::max(ImGui::GetCursorPosX() + 20, display.x - width - 14));
    ImGui::TextDisabled("%s", right);
  }
  ImGui::End();
  ImGui::PopStyleVar();
}

// ---- Menus and shortcuts -------------------------------------------------------

void App::DrawMenuBar() {
  if (!ImGui::BeginMainMenuBar()) return;
  Document& doc = editor_.doc();
  if (BeginMenu("File")) {
    if (MenuItem("File", "New")) editor_.NewPipeline();
    if (ImGui::BeginMenu("New from template")) {
      for (size_t i = 0; i < Templates().size(); ++i) {
        if (MenuItem("File", Templates()[i].file)) editor_.OpenTemplate(i);
        ImGui::Indent();
        ImGui::TextDisabled("%s", TemplateSummary(i).c_str());
        ImGui::Unindent();
      }
      ImGui::EndMenu();
    }
    if (MenuItem("File", "Open...", "Ctrl+O")) editor_.platform().PickFile();
    if (MenuItem("File", "Save", "Ctrl+S")) editor_.Save();
    ImGui::Separator();
    if (MenuItem("File", "Share link...")) editor_.Share();
    ImGui::Separator();
    if (MenuItem("File", "Open run report...")) editor_.platform().PickReport();
    if (MenuItem("File", "Close run", nullptr, run_.is_open())) run_.Close();
    ImGui::EndMenu();
  }
  if (BeginMenu("Edit")) {
    const std::string undo = "Undo " + doc.UndoLabel();
    const std::string redo = "Redo " + doc.RedoLabel();
    if (ImGui::MenuItem(undo.c_str(), "Ctrl+Z", false, doc.CanUndo())) editor_.Undo();
    if (ImGui::MenuItem(redo.c_str(), "Ctrl+Shift+Z", false, doc.CanRedo())) editor_.Redo();
    ImGui::Separator();
    const bool any = !editor_.selection().empty();
    if (ImGui::MenuItem("Cut", "Ctrl+X", false, any)) {
      editor_.platform().WriteClipboard(CopyText(/*cut=*/true));
    }
    if (ImGui::MenuItem("Copy", "Ctrl+C", false, any)) {
      editor_.platform().WriteClipboard(CopyText(/*cut=*/false));
    }
    if (ImGui::MenuItem("Paste", "Ctrl+V")) editor_.platform().ReadClipboard();
    if (ImGui::MenuItem("Duplicate", "Ctrl+D", false, any)) editor_.DuplicateSelection();
    if (ImGui::MenuItem("Delete", "Del", false, any || editor_.selected_edge)) {
      editor_.DeleteSelection();
    }
    ImGui::Separator();
    if (ImGui::MenuItem("Select all", "Ctrl+A")) editor_.SelectAll();
    ImGui::EndMenu();
  }
  if (BeginMenu("View")) {
    if (MenuItem("View", "Fit to view", "F")) editor_.view_request = ViewRequest::kFitAll;
    if (MenuItem("View", "Show everything", "Shift+F")) {
      editor_.view_request = ViewRequest::kShowAll;
    }
    if (ImGui::MenuItem("Zoom in", "+")) canvas_.ZoomBy(1.25f);
    if (ImGui::MenuItem("Zoom out", "-")) canvas_.ZoomBy(0.8f);
    if (ImGui::MenuItem("Zoom to 100%", "0")) canvas_.ZoomBy(1.0f / canvas_.zoom());
    ImGui::Separator();
    if (MenuItem("View", "Auto-layout", "L")) editor_.AutoLayout();
    bool shown = ImGui::MenuItem("Palette panel", nullptr, &show_palette_);
    fields::Mark("menu/View/Palette panel");
    shown |= ImGui::MenuItem("Side panel", nullptr, &show_side_);
    fields::Mark("menu/View/Side panel");
    shown |= ImGui::MenuItem("Problems panel", nullptr, &show_problems_);
    fields::Mark("menu/View/Problems panel");
    shown |= ImGui::MenuItem("Minimap", nullptr, &canvas_.show_minimap);
    fields::Mark("menu/View/Minimap");
    ImGui::Separator();
    shown |= look_.DrawMenus();
    if (shown) SaveLayout();
    ImGui::EndMenu();
  }
  if (BeginMenu("Export")) {
    // One item per target of core's table, marked "export/NAME" for tests.
    for (const ExportTargetInfo& info : ExportTargets()) {
      const std::string label = std::string(info.title) + "...";
      if (MenuItem("Export", label.c_str())) editor_.ShowExport(info.target);
      fields::Mark(std::string("export/") + info.name);
    }
    ImGui::EndMenu();
  }
  if (BeginMenu("Help")) {
    ImGui::MenuItem("Keyboard and mouse", "F1", &show_help_);
    ImGui::EndMenu();
  }
  ImGui::EndMainMenuBar();
}

// Shortcuts act when no text field has the keyboard; Ctrl+S also then,
// after the field's text is committed.
void App::HandleShortcuts() {
  const ImGuiIO& io = ImGui::GetIO();
  if (save_next_frame_) {
    save_next_frame_ = false;
    editor_.Save();
  }
  const bool ctrl = io.KeyCtrl || io.KeySuper;
  if (ctrl && ImGui::IsKeyPressed(kKeyS, false)) {
    if (io.WantTextInput) {
      ImGui::ClearActiveID();
      save_next_frame_ = true;
    } else {
      editor_.Save();
    }
    return;
  }
  if (look_.HandleShortcuts()) {
    SaveLayout();
    return;
  }
  if (io.WantTextInput || ImGui::IsPopupOpen("", ImGuiPopupFlags_AnyPopupId)) return;
  auto pressed = [](int key) { return ImGui::IsKeyPressed(key, false); };
  auto pressed_repeat = [](int key) { return ImGui::IsKeyPressed(key, true); };
  if (ctrl) {
    if (pressed_repeat(kKeyZ)) io.KeyShift ? editor_.Redo() : editor_.Undo();
    if (pressed_repeat(kKeyY)) editor_.Redo();
    if (pressed(kKeyO)) editor_.platform().PickFile();
    if (pressed(kKeyD)) editor_.DuplicateSelection();
    if (pressed(kKeyA)) editor_.SelectAll();
    return;
  }
  if (pressed(ImGui::GetKeyIndex(ImGuiKey_Delete)) ||
      pressed(ImGui::GetKeyIndex(ImGuiKey_Backspace))) {
    editor_.DeleteSelection();
  }
  if (pressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) editor_.ClearSelection();
  if (pressed(kKeyF) && io.KeyShift) {
    editor_.view_request = ViewRequest::kShowAll;
  } else if (pressed(kKeyF)) {
    editor_.view_request =
        editor_.selection().empty() ? ViewRequest::kFitAll : ViewRequest::kFitSelection;
  }
  if (pressed(kKeyL)) editor_.AutoLayout();
  if (pressed(kKeyC) && editor_.SingleSelected()) connect_.Open(editor_.SingleSelected());
  if (pressed(kKeyEqual) || pressed(kKeyPadAdd)) canvas_.ZoomBy(1.25f);
  if (pressed(kKeyMinus) || pressed(kKeyPadSubtract)) canvas_.ZoomBy(0.8f);
  if (pressed(kKey0)) canvas_.ZoomBy(1.0f / canvas_.zoom());
  if (pressed(kKeyF1) || (io.KeyShift && pressed(kKeySlash))) show_help_ = !show_help_;

  // Arrow keys nudge the selection by a grid step.
  const float step = io.KeyShift ? 40.0f : 8.0f;
  ImVec2 nudge(0, 0);
  if (pressed_repeat(ImGui::GetKeyIndex(ImGuiKey_LeftArrow))) nudge.x -= step;
  if (pressed_repeat(ImGui::GetKeyIndex(ImGuiKey_RightArrow))) nudge.x += step;
  if (pressed_repeat(ImGui::GetKeyIndex(ImGuiKey_UpArrow))) nudge.y -= step;
  if (pressed_repeat(ImGui::GetKeyIndex(ImGuiKey_DownArrow))) nudge.y += step;
  if ((nudge.x != 0 || nudge.y != 0) && !editor_.selection().empty()) {
    Document& doc = editor_.doc();
    std::vector<std::pair<NodeId, Position>> moves;
    for (NodeId node : editor_.selection()) {
      const Position p = doc.positions()[doc.IndexOf(node)];
      moves.push_back({node, Position{p.x + nudge.x, p.y + nudge.y}});
    }
    editor_.Report(doc.MoveSteps(moves));
  }
}

// ---- Dialogs -------------------------------------------------------------------

void App::DrawDialogs() {
  DrawExportDialog();
  DrawImportReport();
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const ImVec2 center(0.5f * display.x, 0.5f * display.y);
  if (editor_.show_open_errors) {
    ImGui::OpenPopup("Could not open the file");
    editor_.show_open_errors = false;
  }
  ImGui::SetNextWindowPos(center, ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(std::min(720.0f, display.x - 40), 0), ImGuiCond_Appearing);
  if (ImGui::BeginPopupModal("Could not open the file", nullptr,
                             ImGuiWindowFlags_NoSavedSettings)) {
    ImGui::TextWrapped("%s", editor_.open_errors_intro.c_str());
    ImGui::PushStyleColor(ImGuiCol_Text, ToVec4(color::kError));
    for (const std::string& line : editor_.open_errors) ImGui::TextWrapped("%s", line.c_str());
    ImGui::PopStyleColor();
    fields::Mark("dialog/open-errors");
    ImGui::Spacing();
    ImGui::TextDisabled("The pipeline you were editing is unchanged.");
    if (ImGui::Button("OK", ImVec2(100, 0)) ||
        ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape)) ||
        ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Enter))) {
      ImGui::CloseCurrentPopup();
    }
    ImGui::EndPopup();
  }

  if (open_share_) {
    ImGui::OpenPopup("Share link");
    open_share_ = false;
  }
  ImGui::SetNextWindowPos(center, ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(std::min(640.0f, display.x - 40), 0), ImGuiCond_Appearing);
  if (ImGui::BeginPopupModal("Share link", nullptr, ImGuiWindowFlags_NoSavedSettings)) {
    ImGui::TextWrapped(
        "The link holds the whole pipeline, compressed; nothing is uploaded. "
        "Whoever opens it gets a copy to edit. It is on the clipboard.");
    ImGui::SetNextItemWidth(-FLT_MIN);
    ImGui::InputText("##url", share_url_.data(), share_url_.size() + 1,
                     ImGuiInputTextFlags_ReadOnly);
    ImGui::Text("%zu characters", share_url_.size());
    if (ImGui::Button("Copy again")) editor_.platform().WriteClipboard(share_url_);
    ImGui::SameLine();
    if (ImGui::Button("Close") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
      ImGui::CloseCurrentPopup();
    }
    ImGui::EndPopup();
  }
}

// The export and its fidelity report: what the engine cannot say as the
// pipeline does, and how the export approximates it. The YAML is
// downloaded only from here, after the report was on the screen.
void App::DrawExportDialog() {
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  if (editor_.show_export) {
    ImGui::OpenPopup("###Export");
    editor_.show_export = false;
  }
  ImGui::SetNextWindowPos(ImVec2(0.5f * display.x, 0.5f * display.y), ImGuiCond_Appearing,
                          ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(std::min(760.0f, display.x - 40), 0), ImGuiCond_Appearing);
  if (!editor_.export_view) return;
  const ExportView& view = *editor_.export_view;
  const std::string title =
      std::string("Export to ") + ExportTargetTitle(view.target) + "###Export";
  if (!ImGui::BeginPopupModal(title.c_str(), nullptr, ImGuiWindowFlags_NoSavedSettings)) return;
  bool close = ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape));
  if (!view.errors.empty()) {
    ImGui::TextWrapped("The pipeline has problems to fix before it can be exported:");
    ImGui::PushStyleColor(ImGuiCol_Text, ToVec4(color::kError));
    for (const std::string& line : view.errors) ImGui::TextWrapped("%s", line.c_str());
    ImGui::PopStyleColor();
    fields::Mark("export/errors");
    ImGui::Spacing();
    close |= ImGui::Button("Close", ImVec2(100, 0));
  } else {
    const size_t lines = static_cast<size_t>(std::count(view.text.begin(), view.text.end(), '\n'));
    ImGui::Text("%s", view.file.c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("%zu lines of YAML, what `tame export --to %s` writes", lines,
                        ExportTargetName(view.target));
    ImGui::Spacing();
    if (view.notes.empty()) {
      ImGui::TextColored(ToVec4(color::kOk), "Nothing is lost: %s runs this pipeline as it is.",
                         ExportTargetTitle(view.target));
      fields::Mark("export/fidelity");
    } else {
      ImGui::TextWrapped(
          "Fidelity: %zu %s where %s cannot say what the pipeline says, and how "
          "the export approximates it.",
          view.notes.size(), view.notes.size() == 1 ? "place" : "places",
          ExportTargetTitle(view.target));
      const float height = std::min(360.0f, 0.5f * display.y);
      ImGui::BeginChild("notes", ImVec2(0, height), true);
      for (size_t i = 0; i < view.notes.size(); ++i) {
        const Diagnostic& note = view.notes[i];
        ImGui::PushID(static_cast<int>(i));
        ImGui::TextColored(ToVec4(color::kWarning), "%s",
                           note.pointer.empty() ? "pipeline" : note.pointer.c_str());
        ImGui::Indent(12);
        ImGui::TextWrapped("%s", note.message.c_str());
        ImGui::Unindent(12);
        fields::Mark("export/note/" + std::to_string(i));
        ImGui::PopID();
      }
      ImGui::EndChild();
      fields::Mark("export/fidelity");
    }
    ImGui::Spacing();
    const std::string download = "Download " + view.file;
    if (ImGui::Button(download.c_str())) {
      editor_.DownloadExport();
      close = true;
    }
    fields::Mark("export/download");
    ImGui::SameLine();
    if (ImGui::Button("Copy YAML")) editor_.platform().WriteClipboard(view.text);
    ImGui::SameLine();
    close |= ImGui::Button("Cancel");
  }
  if (close) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

// The last import's fidelity report, in a window of its own that stays
// beside the canvas while the imported pipeline is edited.
void App::DrawImportReport() {
  if (!show_import_report_) return;
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowPos(ImVec2(display.x - 20, 60), ImGuiCond_Appearing, ImVec2(1, 0));
  ImGui::SetNextWindowSize(ImVec2(std::min(560.0f, display.x - 40), 0), ImGuiCond_Appearing);
  if (!ImGui::Begin("Import report", &show_import_report_,
                    ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::End();
    return;
  }
  ImGui::TextWrapped("%s", import_header_.c_str());
  fields::Mark("import/report");
  const float height = std::min(320.0f, 0.5f * display.y);
  if (!import_items_.empty()) {
    ImGui::BeginChild("items", ImVec2(0, height), true);
    for (size_t i = 0; i < import_items_.size(); ++i) {
      const ImportItem& item = import_items_[i];
      ImGui::PushID(static_cast<int>(i));
      const std::string where = (item.line ? "line " + std::to_string(item.line) : "file") +
                                (item.place.empty() ? "" : ": " + item.place);
      ImGui::TextColored(ToVec4(item.imported ? color::kWarning : color::kError), "%s",
                         where.c_str());
      ImGui::Indent(12);
      ImGui::TextWrapped("%s%s", item.imported ? "" : "not imported: ", item.message.c_str());
      ImGui::Unindent(12);
      ImGui::PopID();
    }
    ImGui::EndChild();
  }
  if (ImGui::Button("Close")) show_import_report_ = false;
  ImGui::End();
}

// Autosaves after a quiet moment and keeps the page's title current.
void App::AfterFrame() {
  const Document& doc = editor_.doc();
  const double now = ImGui::GetTime();
  if (doc.revision() != seen_revision_) {
    seen_revision_ = doc.revision();
    changed_at_ = now;
  }
  if (doc.revision() != autosaved_revision_ && now - changed_at_ >= kAutosaveDelay &&
      !ImGui::IsMouseDown(0)) {
    autosaved_revision_ = doc.revision();
    editor_.platform().Autosave(editor_.file_name(), doc.Save(), doc.Modified());
  }
  const ImGuiIO& io = ImGui::GetIO();
  busy_ = io.WantTextInput || ImGui::IsAnyItemActive() || ImGui::IsAnyMouseDown() ||
          ImGui::IsPopupOpen("", ImGuiPopupFlags_AnyPopupId) || save_next_frame_ ||
          doc.revision() != autosaved_revision_;
  std::string title =
      doc.pipeline().name + (doc.Modified() ? " (edited)" : "") + " - tame designer";
  if (title != title_) {
    title_ = title;
    editor_.platform().SetTitle(title_);
  }
}

}  // namespace tame::designer
