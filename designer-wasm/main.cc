// The designer in the browser: a GLFW window on the page's canvas with a
// WebGL2 context, Dear ImGui drawing into it, a main loop driven by the
// browser's animation frames, the page's services (Platform) and the
// functions the page calls. web/glue.js is the page's side of this file.
#include <GLFW/glfw3.h>
#include <emscripten.h>
#include <emscripten/html5.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/catalog.h"
#include "designer-wasm/app.h"
#include "designer-wasm/fields.h"
#include "designer-wasm/theme.h"
#include "designer-wasm/webgl_renderer.h"
#include "imgui.h"
#include "imgui_impl_glfw.h"

namespace {

using tame::Json;
using tame::designer::App;

// ImGui lays a new window out during its first frame; from the second on the
// page shows what stays, so that is when the page is told it is ready.
constexpr int kFramesBeforeReady = 2;

// ---- The page's services, in web/glue.js ---------------------------------

EM_JS(void, NotifyReady, (), { Module.tamePage.ready(); });
EM_JS(void, JsDownload, (const char* name, const char* text),
      { Module.tamePage.download(UTF8ToString(name), UTF8ToString(text)); });
EM_JS(void, JsPickFile, (), { Module.tamePage.pickFile(); });
EM_JS(void, JsPickReport, (), { Module.tamePage.pickReport(); });
EM_JS(void, JsWriteClipboard, (const char* text),
      { Module.tamePage.writeClipboard(UTF8ToString(text)); });
EM_JS(void, JsReadClipboard, (), { Module.tamePage.readClipboard(); });
EM_JS(void, JsShare, (const char* text), { Module.tamePage.share(UTF8ToString(text)); });
EM_JS(void, JsAutosave, (const char* name, const char* text, int modified),
      { Module.tamePage.autosave(UTF8ToString(name), UTF8ToString(text), !!modified); });
EM_JS(void, JsSaveSettings, (const char* json), {
  try {
    localStorage.setItem('tame.view', UTF8ToString(json));
  } catch (error) {
    console.warn('tame: view settings not kept:', error.message);
  }
});
EM_JS(void, JsSetCursor, (const char* cursor),
      { Module.canvas.style.cursor = UTF8ToString(cursor); });
EM_JS(void, JsThemeShown, (int light), { Module.tamePage.themeShown(!!light); });
EM_JS(void, JsSetTitle, (const char* title), { document.title = UTF8ToString(title); });

class BrowserPlatform : public tame::designer::Platform {
 public:
  void Download(const std::string& file, const std::string& text) override {
    JsDownload(file.c_str(), text.c_str());
  }
  void PickFile() override { JsPickFile(); }
  void PickReport() override { JsPickReport(); }
  void WriteClipboard(const std::string& text) override {
    if (!text.empty()) JsWriteClipboard(text.c_str());
  }
  void ReadClipboard() override { JsReadClipboard(); }
  void MakeShareLink(const std::string& text) override { JsShare(text.c_str()); }
  void Autosave(const std::string& file, const std::string& text, bool modified) override {
    JsAutosave(file.c_str(), text.c_str(), modified ? 1 : 0);
  }
  void SetTitle(const std::string& title) override { JsSetTitle(title.c_str()); }
  void SaveSettings(const std::string& json) override { JsSaveSettings(json.c_str()); }
};

// A key or character event from GLFW, queued for ImGui (see DeliverInput).
struct InputEvent {
  bool is_char = false;
  int key = 0;  // or the character
  int scancode = 0;
  int action = 0;
  int mods = 0;
};

struct Globals {
  GLFWwindow* window = nullptr;
  // Keyboard input on its way to ImGui (see DeliverInput).
  GLFWkeyfun imgui_key_callback = nullptr;
  GLFWcharfun imgui_char_callback = nullptr;
  GLFWmousebuttonfun imgui_button_callback = nullptr;
  std::vector<InputEvent> input;
  // When the page last had input, and what the last drawn frame showed
  // (see NeedsFrame).
  double last_input = 0;
  double opened_at = -1;  // when the page handed in the file last opened
  double last_frame = 0;
  uint64_t drawn_revision = UINT64_MAX;
  int drawn_width = 0;
  int drawn_height = 0;
  BrowserPlatform platform;
  App app{&platform};
  int frames = 0;
  // The page's devicePixelRatio: the drawing buffer has that many pixels
  // per CSS pixel, and the font is rasterised at that size.
  float pixel_ratio = 1.0f;
  float font_ratio = 0.0f;  // the ratio the font atlas was built for
  float font_size = 0.0f;   // and the text size, in CSS pixels
  int theme_shown = -1;     // what the page was told: 1 light, 0 dark
  std::string out;          // the text the last exported function returned
};

Globals* globals = nullptr;

// ---- The frame ---------------------------------------------------------------

// Keeps the drawing buffer as large as the canvas is on the page, which CSS
// stretches over the whole window, and tells ImGui. This bypasses
// glfwSetWindowSize, which in Emscripten's GLFW turns a size equal to the
// screen's into a fullscreen request. Returns the buffer's size.
ImVec2 FitToCanvas() {
  double css_width = 0.0;
  double css_height = 0.0;
  emscripten_get_element_css_size("#canvas", &css_width, &css_height);
  const float ratio = globals->pixel_ratio;
  const int width = static_cast<int>(css_width * ratio);
  const int height = static_cast<int>(css_height * ratio);
  int current_width = 0;
  int current_height = 0;
  emscripten_get_canvas_element_size("#canvas", &current_width, &current_height);
  if (width > 0 && height > 0 && (width != current_width || height != current_height)) {
    emscripten_set_canvas_element_size("#canvas", width, height);
    current_width = width;
    current_height = height;
  }
  const ImVec2 size(static_cast<float>(current_width), static_cast<float>(current_height));
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(size.x / ratio, size.y / ratio);
  io.DisplayFramebufferScale = ImVec2(ratio, ratio);
  // Emscripten's GLFW gives the mouse in drawing-buffer pixels.
  if (io.MousePos.x > -FLT_MAX && ratio != 1.0f) {
    io.MousePos = ImVec2(io.MousePos.x / ratio, io.MousePos.y / ratio);
  }
  return size;
}

// Emscripten's GLFW sets no cursors: the page's canvas shows ImGui's.
void SetCursor(ImGuiMouseCursor cursor) {
  static ImGuiMouseCursor shown = ImGuiMouseCursor_Arrow;
  if (cursor == shown) return;
  shown = cursor;
  switch (cursor) {
    case ImGuiMouseCursor_TextInput:
      return JsSetCursor("text");
    case ImGuiMouseCursor_ResizeAll:
      return JsSetCursor("move");
    case ImGuiMouseCursor_ResizeNS:
      return JsSetCursor("ns-resize");
    case ImGuiMouseCursor_ResizeEW:
      return JsSetCursor("ew-resize");
    case ImGuiMouseCursor_ResizeNESW:
      return JsSetCursor("nesw-resize");
    case ImGuiMouseCursor_ResizeNWSE:
      return JsSetCursor("nwse-resize");
    case ImGuiMouseCursor_Hand:
      return JsSetCursor("pointer");
    case ImGuiMouseCursor_NotAllowed:
      return JsSetCursor("not-allowed");
    default:
      return JsSetCursor("default");
  }
}

// Rebuilds the font atlas when the pixel ratio or the text size changed:
// the default bitmap font rasterised at the size in device pixels and drawn
// scaled back, so that text is as sharp as the screen at every size. Then
// the theme and the style's sizes follow the text size.
void FitFonts() {
  Globals& g = *globals;
  const float size = g.app.look().text_size();
  if (g.font_ratio != g.pixel_ratio || g.font_size != size) {
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    ImFontConfig config;
    config.SizePixels = std::round(size * g.pixel_ratio);
    io.Fonts->AddFontDefault(&config);
    ImFont* canvas = io.Fonts->Fonts[0];
    if (size != tame::designer::kDefaultTextSize) {
      ImFontConfig canvas_config;
      canvas_config.SizePixels = std::round(tame::designer::kDefaultTextSize * g.pixel_ratio);
      canvas = io.Fonts->AddFontDefault(&canvas_config);
    }
    tame::designer::SetCanvasFont(canvas);
    io.FontGlobalScale = 1.0f / g.pixel_ratio;
    if (g.font_ratio != 0.0f) tame::designer::UploadFonts();
    g.font_ratio = g.pixel_ratio;
    g.font_size = size;
  }
  g.app.look().Update();
  const int light = tame::designer::LightInUse() ? 1 : 0;
  if (light != g.theme_shown && g.frames >= kFramesBeforeReady) {
    g.theme_shown = light;
    JsThemeShown(light);
  }
}

// Dear ImGui 1.86 reads key state once a frame, so events that arrive
// between two frames can hide each other: a key pressed and released (a
// quick tap while frames are slow) is never seen down, and Enter typed
// after some letters may act before the letters are inserted. Key and
// character events are therefore queued and handed to ImGui in order, a
// frame at a time, each frame stopping before an event that would clash
// with what it already got (as ImGui 1.87's input queue does).
bool IsModifier(int key) { return key >= GLFW_KEY_LEFT_SHIFT && key <= GLFW_KEY_RIGHT_SUPER; }

// Keys ImGui acts on beyond the characters they type: editing and
// navigation keys, function keys, and anything pressed with Ctrl or Cmd.
bool Acts(int key, int mods) {
  if (IsModifier(key)) return false;
  if ((mods & (GLFW_MOD_CONTROL | GLFW_MOD_SUPER)) != 0) return true;
  return (key >= GLFW_KEY_ESCAPE && key <= GLFW_KEY_END) || key >= GLFW_KEY_F1;
}

void Touch() { globals->last_input = emscripten_get_now(); }

void KeyCallback(GLFWwindow*, int key, int scancode, int action, int mods) {
  globals->input.push_back(InputEvent{false, key, scancode, action, mods});
  Touch();
}

void CharCallback(GLFWwindow*, unsigned int c) {
  globals->input.push_back(InputEvent{true, static_cast<int>(c), 0, 0, 0});
  Touch();
}

void MouseButtonCallback(GLFWwindow* window, int button, int action, int mods) {
  globals->imgui_button_callback(window, button, action, mods);
  Touch();
}

void CursorPosCallback(GLFWwindow*, double, double) { Touch(); }

// Hands ImGui the queued input up to the first event that would clash with
// what this frame already got: a release of a key that went down this
// frame (it would never be seen down; letters are exempt while a text
// field takes their characters, or typing would go a letter a frame), an
// acting key after characters or
// characters after one (the order would be lost), and Ctrl, Alt or Cmd
// going down after characters (ImGui drops characters typed while they
// are held).
void DeliverInput() {
  Globals& g = *globals;
  const bool typing = ImGui::GetIO().WantTextInput;
  std::vector<int> held;  // keys that went down this frame and must be seen
  bool chars = false;
  bool acted = false;  // an acting key, or Ctrl, Alt or Cmd, went down
  size_t n = 0;
  for (; n < g.input.size(); ++n) {
    const InputEvent& e = g.input[n];
    if (e.is_char) {
      if (acted) break;
      chars = true;
      g.imgui_char_callback(g.window, static_cast<unsigned int>(e.key));
      continue;
    }
    const bool shift = e.key == GLFW_KEY_LEFT_SHIFT || e.key == GLFW_KEY_RIGHT_SHIFT;
    if (e.action == GLFW_RELEASE) {
      if (std::find(held.begin(), held.end(), e.key) != held.end()) break;
    } else if (Acts(e.key, e.mods) || (IsModifier(e.key) && !shift)) {
      if (chars) break;
      acted = true;
      held.push_back(e.key);
    } else if (shift || !typing) {
      held.push_back(e.key);
    }
    g.imgui_key_callback(g.window, e.key, e.scancode, e.action, e.mods);
  }
  g.input.erase(g.input.begin(), g.input.begin() + static_cast<std::ptrdiff_t>(n));
}

// Whether the next animation frame needs drawing. An idle designer draws
// nothing and leaves the canvas showing its last frame, so an open tab
// costs no CPU: frames are drawn for a while after any input, while the
// UI has something going (a text field, a menu, a drag, a pending
// autosave), when the document or the page's size changed, and four times
// a second otherwise, for timers such as the status line's.
bool NeedsFrame(double now) {
  Globals& g = *globals;
  constexpr double kAfterInputMs = 1500;
  constexpr double kHeartbeatMs = 250;
  double css_width = 0;
  double css_height = 0;
  emscripten_get_element_css_size("#canvas", &css_width, &css_height);
  return g.frames < kFramesBeforeReady || now - g.last_input < kAfterInputMs ||
         now - g.last_frame >= kHeartbeatMs || g.app.busy() ||
         g.app.editor().doc().revision() != g.drawn_revision ||
         static_cast<int>(css_width) != g.drawn_width ||
         static_cast<int>(css_height) != g.drawn_height;
}

// One frame; its CPU time (input, UI, and handing the draw lists to WebGL)
// goes into the stats the page reads.
void Frame(void*) {
  Globals& g = *globals;
  const double start = emscripten_get_now();
  if (!NeedsFrame(start)) return;
  g.last_frame = start;
  glfwPollEvents();
  DeliverInput();
  FitFonts();
  ImGui_ImplGlfw_NewFrame();
  const ImVec2 size = FitToCanvas();  // after the GLFW backend set its size
  ImGui::NewFrame();
  g.app.Frame();
  ImGui::Render();

  SetCursor(ImGui::GetMouseCursor());

  ImDrawData* data = ImGui::GetDrawData();
  tame::designer::RenderFrame(data, static_cast<int>(size.x), static_cast<int>(size.y));

  const double end = emscripten_get_now();
  int draw_calls = 0;
  for (int i = 0; i < data->CmdListsCount; ++i) draw_calls += data->CmdLists[i]->CmdBuffer.Size;
  g.app.stats().Add(end - start, draw_calls, data->TotalVtxCount);
  g.drawn_revision = g.app.editor().doc().revision();
  double css_width = 0;
  double css_height = 0;
  emscripten_get_element_css_size("#canvas", &css_width, &css_height);
  g.drawn_width = static_cast<int>(css_width);
  g.drawn_height = static_cast<int>(css_height);
  if (g.opened_at >= 0) {
    g.app.last_open_ms = end - g.opened_at;
    g.opened_at = -1;
  }
  if (++g.frames == kFramesBeforeReady) NotifyReady();
}

const char* Out(std::string text) {
  globals->out = std::move(text);
  return globals->out.c_str();
}

const char* Out(const Json& value) {
  return Out(value.dump(-1, ' ', false, Json::error_handler_t::replace));
}

Json Strings(const std::vector<std::string>& lines) {
  Json out = Json::array();
  for (const std::string& line : lines) out.push_back(line);
  return out;
}

// The ids a plan request gives for `key`: a string ("a" or "a,b") or an
// array of them, as `--from` and `--only` take them. False when it is
// neither.
bool RequestIds(const Json& request, const char* key, std::vector<std::string>* ids) {
  auto it = request.find(key);
  if (it == request.end()) return true;
  if (it->is_string()) {
    ids->push_back(it->get<std::string>());
    return true;
  }
  if (!it->is_array()) return false;
  for (const Json& id : *it) {
    if (!id.is_string()) return false;
    ids->push_back(id.get<std::string>());
  }
  return true;
}

Json Rect(ImVec2 min, ImVec2 max) {
  return Json{{"x", min.x}, {"y", min.y}, {"w", max.x - min.x}, {"h", max.y - min.y}};
}

}  // namespace

// ---- What the page calls ---------------------------------------------------------
// Texts are UTF-8; a returned text lives until the next call.

extern "C" {

/// The palette: [{"uses", "title", "category", "color"}], colour "#rrggbb".
EMSCRIPTEN_KEEPALIVE const char* tame_palette_json() {
  Json kinds = Json::array();
  for (const tame::KindSpec& kind : tame::Catalog()) {
    char color[8];
    std::snprintf(color, sizeof color, "#%06x", kind.color & 0xFFFFFFu);
    kinds.push_back({{"uses", kind.uses},
                     {"title", kind.title},
                     {"category", tame::CategoryName(kind.category)},
                     {"color", color}});
  }
  return Out(kinds);
}

/// Opens a pipeline file; returns `tame validate`'s messages as a JSON array.
EMSCRIPTEN_KEEPALIVE const char* tame_open(const char* name, const char* text) {
  Touch();
  globals->opened_at = emscripten_get_now();
  return Out(Strings(globals->app.OpenText(name, text)));
}

/// The last import's fidelity report, as `tame import` prints it on stderr.
EMSCRIPTEN_KEEPALIVE const char* tame_import_report() { return Out(globals->app.import_report()); }

/// Opens what the last visit autosaved, without a history entry.
EMSCRIPTEN_KEEPALIVE void tame_restore(const char* name, const char* text, int modified) {
  Touch();
  globals->app.editor().Restore(name, text, modified != 0);
}

/// The pipeline in canonical form, as Save downloads it.
EMSCRIPTEN_KEEPALIVE const char* tame_export_json() {
  return Out(globals->app.editor().doc().Save());
}

/// Core's table of export targets: [{"name", "title", "file_suffix"}], in
/// the Export menu's order.
EMSCRIPTEN_KEEPALIVE const char* tame_export_targets() {
  Json targets = Json::array();
  for (const tame::ExportTargetInfo& info : tame::ExportTargets()) {
    targets.push_back(
        Json{{"name", info.name}, {"title", info.title}, {"file_suffix", info.file_suffix}});
  }
  return Out(targets);
}

/// The pipeline exported to one of tame_export_targets()' names:
/// {"text", "fidelity", "file", "errors"}, as `tame export` writes the YAML
/// and prints the report.
EMSCRIPTEN_KEEPALIVE const char* tame_export_to(const char* target_name) {
  tame::ExportTarget target;
  if (!tame::ParseExportTarget(target_name, &target)) {
    return Out(Json{{"text", ""},
                    {"fidelity", ""},
                    {"file", ""},
                    {"errors", Json::array({std::string("unknown target \"") + target_name +
                                            "\"; use " + tame::ExportTargetNames("or")})}});
  }
  const tame::designer::ExportView view = globals->app.editor().Export(target);
  return Out(Json{{"text", view.text},
                  {"fidelity", view.fidelity},
                  {"file", view.file},
                  {"errors", Strings(view.errors)}});
}

/// Shows a run's report.json on the pipeline; returns the messages of a
/// report that could not be read, as a JSON array.
EMSCRIPTEN_KEEPALIVE const char* tame_open_report(const char* name, const char* text) {
  Touch();
  return Out(Strings(globals->app.OpenReport(name, text)));
}

/// Hands in the text of step `id`'s log (its tail is kept).
EMSCRIPTEN_KEEPALIVE void tame_run_log(const char* id, const char* text) {
  Touch();
  globals->app.run().SetLog(id, text);
}

EMSCRIPTEN_KEEPALIVE void tame_close_run() {
  Touch();
  globals->app.run().Close();
}

/// {"STEP": "status"} for every step of the run shown; {} when none is.
EMSCRIPTEN_KEEPALIVE const char* tame_run_status() {
  tame::designer::RunView& run = globals->app.run();
  Json status = Json::object();
  if (run.is_open()) {
    for (const tame::StepRun& step : run.report().steps) status[step.id] = step.status_text;
  }
  return Out(status);
}

/// The run shown and how it lines up with the pipeline: {"open", "run",
/// "status", "hashMatches", "pipelineOnly", "runOnly", "logs": [{"id",
/// "path", "loaded"}]}; {"open": false} when none is.
EMSCRIPTEN_KEEPALIVE const char* tame_run_info() {
  tame::designer::RunView& run = globals->app.run();
  if (!run.is_open()) return Out(Json{{"open", false}});
  const tame::Document& doc = globals->app.editor().doc();
  run.Sync(doc);
  Json pipeline_only = Json::array();
  for (int i : run.PipelineOnly()) pipeline_only.push_back(doc.pipeline().steps[i].id);
  Json run_only = Json::array();
  for (int i : run.RunOnly()) run_only.push_back(run.report().steps[i].id);
  Json logs = Json::array();
  for (const tame::StepRun& step : run.report().steps) {
    if (step.log.empty()) continue;
    logs.push_back({{"id", step.id}, {"path", step.log}, {"loaded", run.HasLog(step.id)}});
  }
  return Out(Json{{"open", true},
                  {"name", run.name()},
                  {"run", run.report().run},
                  {"status", run.report().status},
                  {"hashMatches", run.HashMatches()},
                  {"pipelineOnly", pipeline_only},
                  {"runOnly", run_only},
                  {"logs", logs}});
}

/// The plan for {"from": ID} or {"only": [ID, ...]} (or {} for all steps),
/// as `tame plan FILE --from ID --json` prints it, less the cache verdicts
/// a workspace gives; {"error": ...} with the message `tame plan` gives
/// for an unknown id, both flags, or a cycle.
EMSCRIPTEN_KEEPALIVE const char* tame_plan(const char* request_text) {
  const tame::Document& doc = globals->app.editor().doc();
  const Json request = Json::parse(request_text, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> from_ids;
  std::vector<std::string> only_ids;
  if (!request.is_object() || !RequestIds(request, "from", &from_ids) ||
      !RequestIds(request, "only", &only_ids)) {
    return Out(Json{{"error", "expected {from: ID} or {only: [ID, ...]}"}});
  }
  if (doc.plan() == nullptr) {
    return Out(Json{{"error", tame::DescribeCycle(doc.pipeline(), tame::FindCycle(doc.graph()))}});
  }
  std::vector<int> from;
  std::vector<int> only;
  std::string error;
  if (!tame::ResolveStepIds(doc.pipeline(), from_ids, &from, &error)) {
    return Out(Json{{"error", "--from: " + error}});
  }
  if (!tame::ResolveStepIds(doc.pipeline(), only_ids, &only, &error)) {
    return Out(Json{{"error", "--only: " + error}});
  }
  if (!from.empty() && !only.empty()) {
    return Out(Json{{"error", "--from and --only do not go together; give one of them"}});
  }
  const tame::Selection selection = tame::SelectSteps(doc.graph(), from, only);
  const bool partial = !from.empty() || !only.empty();
  return Out(tame::PlanJson(doc.pipeline(), *doc.plan(), partial ? &selection : nullptr));
}

/// What the Plan tab shows: {"scope": "whole" | "from" | "only", "steps":
/// [ID, ...] (the steps its flag names), "command", "lines" (as `tame plan`
/// prints them)}; "lines" is empty without a plan.
EMSCRIPTEN_KEEPALIVE const char* tame_plan_view() {
  const tame::designer::Editor& editor = globals->app.editor();
  const tame::Document& doc = editor.doc();
  const tame::designer::ScopedPlan scoped = tame::designer::ScopePlan(editor);
  Json steps = Json::array();
  for (int step : scoped.steps) steps.push_back(doc.pipeline().steps[step].id);
  Json lines = Json::array();
  if (doc.plan() != nullptr && doc.size() > 0) {
    lines = Strings(tame::PlanText(doc.pipeline(), *doc.plan(),
                                   scoped.flag.empty() ? nullptr : &scoped.selection, scoped.flag));
  }
  return Out(Json{{"scope", scoped.flag.empty() ? "whole" : scoped.flag.substr(2)},
                  {"steps", steps},
                  {"command", tame::designer::RunCommand(editor, scoped)},
                  {"lines", lines}});
}

/// Adds a step as the palette does; returns "" or why it was refused.
EMSCRIPTEN_KEEPALIVE const char* tame_add_step(const char* kind, const char* id, double x,
                                               double y) {
  tame::designer::Editor& editor = globals->app.editor();
  tame::EditResult result = editor.doc().AddStep(kind, id, tame::Position{x, y});
  if (editor.Report(result)) editor.SetSelection(result.added);
  return Out(result.error);
}

/// Connects two steps by id as dragging between ports does; "" or why not.
EMSCRIPTEN_KEEPALIVE const char* tame_connect(const char* from, const char* to) {
  tame::designer::Editor& editor = globals->app.editor();
  const tame::NodeId a = editor.doc().Find(from);
  const tame::NodeId b = editor.doc().Find(to);
  if (!a || !b) return Out(std::string("no step \"") + (a ? to : from) + "\"");
  tame::EditResult result = editor.doc().Connect(a, b);
  editor.Report(result);
  return Out(result.error);
}

/// {"steps", "frameMs" (median CPU time of recent frames), "drawCalls",
///  "vertices", "frames", "openMs", "zoom", "problems", "modified"}.
EMSCRIPTEN_KEEPALIVE const char* tame_stats() {
  App& app = globals->app;
  const tame::Document& doc = app.editor().doc();
  return Out(Json{{"steps", doc.size()},
                  {"frameMs", app.stats().MedianMs()},
                  {"drawCalls", app.stats().draw_calls()},
                  {"vertices", app.stats().vertices()},
                  {"frames", app.stats().frames()},
                  {"openMs", app.last_open_ms},
                  {"zoom", app.canvas().zoom()},
                  {"routeMs", app.canvas().route_ms()},
                  {"problems", doc.problems().size()},
                  {"modified", doc.Modified()}});
}

/// Where a step's node and ports are on the page, or null.
EMSCRIPTEN_KEEPALIVE const char* tame_node_rect(const char* id) {
  App& app = globals->app;
  const tame::NodeId node = app.editor().doc().Find(id);
  if (!node) return Out(Json());
  const tame::designer::NodeBox box =
      app.canvas().Box(app.editor(), app.editor().doc().IndexOf(node));
  Json rect = Rect(box.min, box.max);
  rect["in"] = {{"x", box.in_port.x}, {"y", box.in_port.y}};
  rect["out"] = {{"x", box.out_port.x}, {"y", box.out_port.y}};
  return Out(rect);
}

/// Where a named widget was drawn in the last frame ("palette/shell",
/// "inspector/with/run", ...), or null.
EMSCRIPTEN_KEEPALIVE const char* tame_widget_rect(const char* name) {
  const auto& marks = tame::designer::fields::Marks();
  auto it = marks.find(name);
  return Out(it == marks.end() ? Json() : Rect(it->second.min, it->second.max));
}

/// The reference chips drawn in the last frame: [{mark, expr, color
/// ("#rrggbb"), selected, doc, x, y, w, h}].
EMSCRIPTEN_KEEPALIVE const char* tame_chips() {
  Json list = Json::array();
  for (const tame::designer::fields::Chip& chip : tame::designer::fields::Chips()) {
    Json item = Rect(chip.rect.min, chip.rect.max);
    char hex[8];
    std::snprintf(hex, sizeof hex, "#%02x%02x%02x", chip.color & 0xFF, (chip.color >> 8) & 0xFF,
                  (chip.color >> 16) & 0xFF);
    item["mark"] = chip.mark;
    item["expr"] = chip.expr;
    item["color"] = hex;
    item["selected"] = chip.selected;
    item["doc"] = chip.doc;
    list.push_back(std::move(item));
  }
  return Out(list);
}

/// The problems panel's lines, as `tame validate` prints them.
EMSCRIPTEN_KEEPALIVE const char* tame_problems() {
  tame::designer::Editor& editor = globals->app.editor();
  return Out(Strings(tame::designer::FormatProblems(editor.file_name(), editor.doc().problems())));
}

/// The problems as the panel groups them: [{step, field, text, line}], step
/// "" for the pipeline's own, text in plain words, line as `tame validate`
/// prints it; [] while the pipeline is empty and untouched.
EMSCRIPTEN_KEEPALIVE const char* tame_problem_list() {
  tame::designer::Editor& editor = globals->app.editor();
  Json list = Json::array();
  if (tame::designer::QuietEmpty(editor)) return Out(list);
  for (const tame::Diagnostic& d : editor.doc().problems()) {
    list.push_back({{"step", d.step},
                    {"field", d.field},
                    {"text", tame::designer::PlainMessage(d)},
                    {"line", tame::FormatDiagnostic(editor.file_name(), d)}});
  }
  return Out(list);
}

/// The document's revision: it changes with every edit.
EMSCRIPTEN_KEEPALIVE double tame_revision() {
  return static_cast<double>(globals->app.editor().doc().revision());
}

/// What the page's outline for screen readers lists: {steps: [{id, uses,
/// needs, problems}], problems: ["step: field: plain words", ...]}.
EMSCRIPTEN_KEEPALIVE const char* tame_outline() {
  tame::designer::Editor& editor = globals->app.editor();
  const tame::Document& doc = editor.doc();
  const std::vector<int>& counts = editor.ProblemCounts();
  Json steps = Json::array();
  for (size_t i = 0; i < doc.size(); ++i) {
    const tame::Step& step = doc.pipeline().steps[i];
    steps.push_back({{"id", step.id},
                     {"uses", step.uses},
                     {"needs", step.needs},
                     {"problems", i < counts.size() ? counts[i] : 0}});
  }
  Json problems = Json::array();
  if (!tame::designer::QuietEmpty(editor)) {
    for (const tame::Diagnostic& d : doc.problems()) {
      std::string line = d.step.empty() ? "the pipeline" : "step " + d.step;
      if (!d.field.empty()) line += ", " + d.field;
      problems.push_back(line + ": " + tame::designer::PlainMessage(d));
    }
  }
  return Out(Json{{"steps", steps}, {"problems", problems}});
}

/// The messages of the last file that could not be opened.
EMSCRIPTEN_KEEPALIVE const char* tame_open_errors() {
  return Out(Strings(globals->app.editor().open_errors));
}

/// The ids of the selected steps.
EMSCRIPTEN_KEEPALIVE const char* tame_selection() {
  const tame::designer::Editor& editor = globals->app.editor();
  Json ids = Json::array();
  for (tame::NodeId node : editor.selection()) {
    const int index = editor.doc().IndexOf(node);
    if (index >= 0) ids.push_back(editor.doc().pipeline().steps[index].id);
  }
  return Out(ids);
}

/// The status line's text.
EMSCRIPTEN_KEEPALIVE const char* tame_status() { return Out(globals->app.editor().status().text); }

/// Shows a message on the status line, as an error when `error` is set.
EMSCRIPTEN_KEEPALIVE void tame_post(const char* text, int error) {
  Touch();
  globals->app.editor().Post(
      error ? tame::designer::Severity::kError : tame::designer::Severity::kInfo, text);
}

EMSCRIPTEN_KEEPALIVE void tame_paste_text(const char* text) {
  Touch();
  globals->app.PasteText(text);
}

/// View settings an earlier visit kept (see Platform::SaveSettings).
EMSCRIPTEN_KEEPALIVE void tame_load_view(const char* json) {
  Touch();
  globals->app.LoadLayout(json);
}

/// The page's devicePixelRatio, at start and whenever it changes.
EMSCRIPTEN_KEEPALIVE void tame_set_pixel_ratio(double ratio) {
  Touch();
  globals->pixel_ratio = static_cast<float>(std::min(4.0, std::max(1.0, ratio)));
  globals->drawn_width = -1;  // draw again at the new size
}

/// What the page read from prefers-color-scheme: 1 for light, 0 for dark;
/// the designer follows it while View > Theme is "System".
EMSCRIPTEN_KEEPALIVE void tame_set_system_theme(int light) {
  Touch();
  globals->app.look().SetSystemLight(light != 0);
}

/// The look in use: {"theme" ("system", "light", "dark"), "light" (the
/// theme shown), "textSize" (CSS pixels), "fontSize" (ImGui's, CSS pixels),
/// "fontPixels" (the atlas's, device pixels), "pixelRatio"}.
EMSCRIPTEN_KEEPALIVE const char* tame_look() {
  const tame::designer::Look& look = globals->app.look();
  return Out(
      Json{{"theme", tame::designer::ThemeChoiceName(look.theme())},
           {"light", tame::designer::LightInUse()},
           {"textSize", look.text_size()},
           {"fontSize", ImGui::GetFontSize()},
           {"fontPixels",
            ImGui::GetIO().Fonts->Fonts.empty() ? 0.0f : ImGui::GetIO().Fonts->Fonts[0]->FontSize},
           {"pixelRatio", globals->pixel_ratio}});
}

/// Why a field's last edit was not applied, as the field shows it; "" when
/// no field shows a refusal.
EMSCRIPTEN_KEEPALIVE const char* tame_field_refusal() {
  return Out(tame::designer::fields::Refusal());
}

EMSCRIPTEN_KEEPALIVE const char* tame_copy_text(int cut) {
  return Out(globals->app.CopyText(cut != 0));
}

EMSCRIPTEN_KEEPALIVE void tame_share_ready(const char* url) {
  Touch();
  globals->app.ShareReady(url);
}

/// Wheel input in pixels; `zoom` for ctrl+wheel and pinch.
EMSCRIPTEN_KEEPALIVE void tame_wheel(double dx, double dy, int zoom) {
  Touch();
  globals->app.canvas().AddWheel(static_cast<float>(dx), static_cast<float>(dy), zoom != 0);
  if (!zoom) {
    ImGuiIO& io = ImGui::GetIO();
    io.MouseWheelH -= static_cast<float>(dx) / 100.0f;
    io.MouseWheel -= static_cast<float>(dy) / 100.0f;
  }
}

/// Moves the canvas view by a number of pixels (benchmarks pan with it).
EMSCRIPTEN_KEEPALIVE void tame_scroll(double dx, double dy) {
  Touch();
  globals->app.canvas().ScrollBy(ImVec2(static_cast<float>(dx), static_cast<float>(dy)));
}

/// Every edge as the canvas routes it, on the page: [{from, to, points:
/// [[x, y], ...], routed, faded, label: {x, y, w, h} or null}], and how the
/// last routing went: {edges, ms, routed, unrouted}.
EMSCRIPTEN_KEEPALIVE const char* tame_edge_routes() {
  App& app = globals->app;
  const tame::Document& doc = app.editor().doc();
  Json edges = Json::array();
  for (const tame::designer::EdgeOnScreen& edge : app.canvas().EdgesOnScreen(app.editor())) {
    Json points = Json::array();
    for (const ImVec2& p : edge.points) points.push_back({p.x, p.y});
    const bool labelled = edge.label_max.x > edge.label_min.x;
    edges.push_back({{"from", doc.pipeline().steps[edge.from].id},
                     {"to", doc.pipeline().steps[edge.to].id},
                     {"points", std::move(points)},
                     {"routed", edge.routed},
                     {"faded", edge.faded},
                     {"label", labelled ? Rect(edge.label_min, edge.label_max) : Json()}});
  }
  return Out(Json{{"edges", std::move(edges)},
                  {"ms", app.canvas().route_ms()},
                  {"routed", app.canvas().routed_edges()},
                  {"unrouted", app.canvas().unrouted()}});
}

}  // extern "C"

int main() {
  if (!glfwInit()) {
    std::fprintf(stderr, "tame designer: GLFW could not start\n");
    return 1;
  }
  glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);

  globals = new Globals();
  globals->window = glfwCreateWindow(1280, 720, "tame designer", nullptr, nullptr);
  if (globals->window == nullptr) {
    std::fprintf(stderr, "tame designer: this browser gave no WebGL2 context\n");
    return 1;
  }
  glfwMakeContextCurrent(globals->window);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // the page keeps no files
  tame::designer::ApplyTheme();
  ImGui_ImplGlfw_InitForOpenGL(globals->window, true);
  // Wheel input comes from the page (tame_wheel), which knows ctrl+wheel
  // and pinch from scrolling and the wheel's units.
  glfwSetScrollCallback(globals->window, nullptr);
  globals->imgui_key_callback = glfwSetKeyCallback(globals->window, KeyCallback);
  globals->imgui_char_callback = glfwSetCharCallback(globals->window, CharCallback);
  globals->imgui_button_callback = glfwSetMouseButtonCallback(globals->window, MouseButtonCallback);
  glfwSetCursorPosCallback(globals->window, CursorPosCallback);
  // Emscripten's GLFW has no clipboard. Text fields copy through the page;
  // pasting arrives as the page's paste event (tame_paste_text).
  ImGuiIO& io = ImGui::GetIO();
  io.MouseDoubleClickTime = 0.5f;  // as long as desktops allow by default
  io.SetClipboardTextFn = [](void*, const char* text) { JsWriteClipboard(text); };
  io.GetClipboardTextFn = [](void*) -> const char* { return ""; };
  FitFonts();
  if (!tame::designer::InitRenderer()) return 1;

  emscripten_set_main_loop_arg(Frame, nullptr, 0, true);
  return 0;
}
