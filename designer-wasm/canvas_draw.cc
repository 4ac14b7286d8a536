// Drawing the canvas: grid, nodes, the gesture in progress and the minimap
// (canvas_edges.cc draws the edges). Everything here reads the document; nothing changes it.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/catalog.h"
#include "core/load.h"
#include "core/templates.h"
#include "designer-wasm/canvas.h"
#include "designer-wasm/fields.h"
#include "designer-wasm/panels.h"
#include "designer-wasm/theme.h"

namespace tame::designer {
namespace {

constexpr float kGridStep = 32.0f;
constexpr int kMajorEvery = 4;
// The minimap is a fifth of the canvas wide, from 100 to 180 pixels, 3:2.
constexpr float kMinimapMinWidth = 100.0f;
constexpr float kMinimapMaxWidth = 180.0f;
constexpr float kMinimapMargin = 12.0f;
constexpr int kMinimapCols = 90;
constexpr int kMinimapRows = 60;
// Above this many steps the minimap draws occupied cells, not nodes.
constexpr size_t kMinimapNodeLimit = 1500;

// How a step ended, for the node's second line: "failed in 1.2 s, 3
// attempts".
std::string RunSummary(const StepRun& step) {
  switch (step.status) {
    case StepRunStatus::kSkipped:
    case StepRunStatus::kNotRun:
      return StepRunStatusName(step.status);
    case StepRunStatus::kCached:
      return "cached";
    case StepRunStatus::kWaiting:
      return "waiting for approval";
    case StepRunStatus::kUnknown:
      return step.status_text;
    default:
      break;
  }
  std::string text =
      std::string(StepRunStatusName(step.status)) + " in " + FormatDuration(step.duration_ms);
  if (step.attempts > 1) text += ", " + std::to_string(step.attempts) + " attempts";
  return text;
}

}  // namespace

void Canvas::DrawGrid(ImDrawList* draw) const {
  float step = kGridStep * zoom_;
  int major_every = kMajorEvery;
  while (step < 10.0f) {  // zoomed far out: fewer, all major lines
    step *= kMajorEvery;
    major_every = 1;
  }
  const ImVec2 max(origin_.x + size_.x, origin_.y + size_.y);
  auto color = [&](int index) {
    return index % major_every == 0 ? color::kGridMajor : color::kGridMinor;
  };
  for (int i = static_cast<int>(std::floor(-scroll_.x / step));; ++i) {
    const float x = origin_.x + scroll_.x + static_cast<float>(i) * step;
    if (x >= max.x) break;
    draw->AddLine(ImVec2(x, origin_.y), ImVec2(x, max.y), color(i));
  }
  for (int i = static_cast<int>(std::floor(-scroll_.y / step));; ++i) {
    const float y = origin_.y + scroll_.y + static_cast<float>(i) * step;
    if (y >= max.y) break;
    draw->AddLine(ImVec2(origin_.x, y), ImVec2(max.x, y), color(i));
  }
}

void Canvas::DrawNodes(const Editor& editor, ImDrawList* draw) const {
  const Document& doc = editor.doc();
  const std::vector<int>& problems = editor.ProblemCounts();
  const bool moving = mode_ == Mode::kMove && dragged_;
  const ImVec2 shift(move_delta_.x * zoom_, move_delta_.y * zoom_);
  // Selected nodes last, on top.
  for (int pass = 0; pass < 2; ++pass) {
    for (int index : visible_) {
      const bool selected = editor.IsSelected(doc.node(index));
      if (selected != (pass == 1)) continue;
      DrawNode(editor, draw, index, selected && moving ? shift : ImVec2(0, 0), problems[index]);
    }
  }
}

void Canvas::DrawNode(const Editor& editor, ImDrawList* draw, int index, ImVec2 shift,
                      int problems) const {
  const Step& step = editor.doc().pipeline().steps[index];
  NodeBox box = Box(editor, index);
  box.min = ImVec2(box.min.x + shift.x, box.min.y + shift.y);
  box.max = ImVec2(box.max.x + shift.x, box.max.y + shift.y);
  const KindSpec* kind = FindKind(step.uses);
  const ImU32 accent = kind != nullptr ? KindColor(*kind) : color::kTextDim;
  const bool selected = editor.IsSelected(editor.doc().node(index));
  // While a run is shown, a node wears its step's status; a step the run
  // does not have is faded.
  const bool run_shown = run_ != nullptr && run_->is_open();
  const StepRun* record = run_shown ? run_->StepOf(index) : nullptr;
  const bool absent = run_shown && record == nullptr;
  // While the Plan tab shows a partial plan, the steps it does not run are
  // faded: those it reuses less than those it leaves out.
  const std::optional<Selection>& marks = editor.plan_marks;
  const bool left_out =
      marks && static_cast<size_t>(index) < marks->run.size() && !marks->run[index];
  const int fade = !left_out ? 0 : marks->reuse[index] ? 140 : 180;
  if (zoom_ < kDetailZoom) {
    ImU32 fill = problems > 0 ? color::kError : accent;
    if (run_shown) fill = absent ? color::kNodeBorder : StatusColor(record->status);
    draw->AddRectFilled(box.min, box.max, fill);
    if (selected) draw->AddRect(box.min, box.max, color::kText);
    if (fade > 0) draw->AddRectFilled(box.min, box.max, WithAlpha(color::kCanvas, fade));
    return;
  }
  const float z = zoom_;
  const float rounding = 6.0f * z;
  const bool hovered = index == hover_node_;
  draw->AddRectFilled(box.min, box.max, hovered ? color::kNodeHovered : color::kNode, rounding);
  if (record != nullptr) {
    draw->AddRectFilled(box.min, box.max, WithAlpha(StatusColor(record->status), 34), rounding);
  }
  draw->AddRectFilled(box.min, ImVec2(box.min.x + 6.0f * z, box.max.y),
                      absent ? WithAlpha(accent, 90) : accent, rounding,
                      ImDrawFlags_RoundCornersLeft);
  if (run_shown) {
    DrawRunState(draw, box, record, selected);
  } else if (selected) {
    draw->AddRect(box.min, box.max, color::kAccent, rounding, 0, 2.0f);
  } else if (problems > 0) {
    draw->AddRect(box.min, box.max, WithAlpha(color::kError, 200), rounding, 0, 1.5f);
  } else {
    draw->AddRect(box.min, box.max, color::kNodeBorder, rounding);
  }

  // Text: the id, and below it the kind (or, while a run is shown, how the
  // step ended), clipped short of the badge. The font is a bitmap font
  // made for its own size: below zoom 1 it stays at that size (and the
  // second line goes, below kTwoLineZoom) rather than shrink into a blur.
  ImFont* font = ImGui::GetFont();
  const float font_size = ImGui::GetFontSize() * std::max(z, 1.0f);
  const ImVec4 clip(box.min.x, box.min.y, box.max.x - 26.0f * z, box.max.y);
  const float text_x = std::floor(box.min.x + 16.0f * z);
  const ImU32 id_color = absent ? color::kTextDim : color::kText;
  if (z < kTwoLineZoom) {
    const float y = std::floor(0.5f * (box.min.y + box.max.y - font_size));
    draw->AddText(font, font_size, ImVec2(text_x, y), id_color, step.id.c_str(), nullptr, 0.0f,
                  &clip);
  } else {
    draw->AddText(font, font_size, ImVec2(text_x, std::floor(box.min.y + 11.0f * z)), id_color,
                  step.id.c_str(), nullptr, 0.0f, &clip);
    std::string second;
    ImU32 second_color = color::kTextDim;
    if (record != nullptr) {
      second = RunSummary(*record);
      second_color = StatusColor(record->status);
    } else if (absent) {
      second = "not in this run";
      second_color = color::kWarning;
    } else if (left_out) {
      second = marks->reuse[index] ? "reused from an earlier run" : "not run";
    } else {
      second = kind != nullptr ? kind->title : step.uses + " (unknown kind)";
      if (!step.if_condition.empty() && step.if_condition != "success") {
        second += ", if " + step.if_condition;
      }
    }
    const ImVec4 clip_wide(box.min.x, box.min.y, box.max.x - 8.0f * z, box.max.y);
    draw->AddText(font, font_size, ImVec2(text_x, std::floor(box.min.y + 31.0f * z)), second_color,
                  second.c_str(), nullptr, 0.0f, &clip_wide);
  }

  // The badge: the run's status icon, else the validation state (a red
  // count, or a green dot).
  const ImVec2 badge(box.max.x - 15.0f * z, box.min.y + 16.0f * z);
  if (record != nullptr) {
    DrawStatusIcon(draw, badge, 8.5f * z, record->status);
  } else if (absent) {
    draw->AddCircle(badge, 7.0f * z, color::kWarning, 0, 1.5f * z);
  } else if (problems > 0) {
    draw->AddCircleFilled(badge, 8.5f * z, color::kError);
    const std::string count = problems > 9 ? "9+" : std::to_string(problems);
    const float badge_font = ImGui::GetFontSize() * std::max(z, 1.0f);
    const ImVec2 text = font->CalcTextSizeA(badge_font, FLT_MAX, 0, count.c_str());
    draw->AddText(font, badge_font,
                  ImVec2(std::floor(badge.x - 0.5f * text.x), std::floor(badge.y - 0.5f * text.y)),
                  color::kBadgeInk, count.c_str());
  } else {
    draw->AddCircleFilled(badge, 3.5f * z, color::kOk);
  }

  // Ports: what it needs comes in on the left, what needs it leaves right.
  const float port = 5.0f * z;
  const ImVec2 in(box.in_port.x + shift.x, box.in_port.y + shift.y);
  const ImVec2 out(box.out_port.x + shift.x, box.out_port.y + shift.y);
  const bool hot = hovered && (hover_in_port_ || hover_out_port_);
  for (const ImVec2& p : {in, out}) {
    draw->AddCircleFilled(p, port, color::kPort);
    draw->AddCircle(p, port, hot ? color::kAccent : color::kNeedsEdge, 0, 1.5f);
  }
  if (fade > 0) draw->AddRectFilled(box.min, box.max, WithAlpha(color::kCanvas, fade), rounding);
}

// A node's border while a run is shown: its status's colour, or a dashed
// line for a step the run does not have; a selected node gets a ring
// outside it, so the status stays visible.
void Canvas::DrawRunState(ImDrawList* draw, const NodeBox& box, const StepRun* record,
                          bool selected) const {
  const float z = zoom_;
  const float rounding = 6.0f * z;
  if (record != nullptr) {
    draw->AddRect(box.min, box.max, StatusColor(record->status), rounding, 0, 2.0f);
  } else {
    const float dash = 8.0f * z;
    const ImU32 color = WithAlpha(color::kWarning, 170);
    for (float x = box.min.x + rounding; x < box.max.x - rounding; x += 2 * dash) {
      const float end = std::min(x + dash, box.max.x - rounding);
      draw->AddLine(ImVec2(x, box.min.y), ImVec2(end, box.min.y), color, 1.5f);
      draw->AddLine(ImVec2(x, box.max.y), ImVec2(end, box.max.y), color, 1.5f);
    }
    for (float y = box.min.y + rounding; y < box.max.y - rounding; y += 2 * dash) {
      const float end = std::min(y + dash, box.max.y - rounding);
      draw->AddLine(ImVec2(box.min.x, y), ImVec2(box.min.x, end), color, 1.5f);
      draw->AddLine(ImVec2(box.max.x, y), ImVec2(box.max.x, end), color, 1.5f);
    }
  }
  if (selected) {
    const float out = 3.0f;
    draw->AddRect(ImVec2(box.min.x - out, box.min.y - out),
                  ImVec2(box.max.x + out, box.max.y + out), color::kAccent, rounding + out, 0,
                  2.0f);
  }
}

void Canvas::DrawGestures(const Editor& editor, ImDrawList* draw) {
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  if (mode_ == Mode::kBoxSelect && dragged_) {
    const ImVec2 lo(std::min(press_.x, mouse.x), std::min(press_.y, mouse.y));
    const ImVec2 hi(std::max(press_.x, mouse.x), std::max(press_.y, mouse.y));
    draw->AddRectFilled(lo, hi, color::kAccentFaint);
    draw->AddRect(lo, hi, color::kAccent);
  }
  if (mode_ != Mode::kConnect) return;
  const Document& doc = editor.doc();
  const int index = doc.IndexOf(connect_node_);
  if (index < 0) return;
  const NodeBox box = Box(editor, index);
  ImU32 color = color::kAccent;
  if (hover_node_ >= 0 && hover_node_ != index) {
    const NodeId other = doc.node(hover_node_);
    const NodeId from = connect_from_input_ ? other : connect_node_;
    const NodeId to = connect_from_input_ ? connect_node_ : other;
    const std::string refusal = doc.CheckConnect(from, to);
    color = refusal.empty() ? color::kOk : color::kError;
    const NodeBox target = Box(editor, hover_node_);
    draw->AddRect(ImVec2(target.min.x - 3, target.min.y - 3),
                  ImVec2(target.max.x + 3, target.max.y + 3), color, 8.0f * zoom_, 0, 2.0f);
    if (!refusal.empty()) ImGui::SetTooltip("%s", refusal.c_str());
  }
  const ImVec2 a = connect_from_input_ ? mouse : box.out_port;
  const ImVec2 b = connect_from_input_ ? box.in_port : mouse;
  const float bend = std::max(40.0f * zoom_, 0.5f * std::fabs(b.x - a.x));
  draw->AddBezierCubic(a, ImVec2(a.x + bend, a.y), ImVec2(b.x - bend, b.y), b, color, 2.0f);
  draw->AddCircleFilled(mouse, 4.0f, color);
}

// ---- Minimap -----------------------------------------------------------------

void Canvas::UpdateBounds(const Editor& editor) {
  const Document& doc = editor.doc();
  if (bounds_revision_ == doc.revision()) return;
  bounds_revision_ = doc.revision();
  const std::vector<Position>& positions = doc.positions();
  bounds_min_ = ImVec2(0, 0);
  bounds_max_ = ImVec2(kNodeWidth, kNodeHeight);
  if (!positions.empty()) {
    bounds_min_ = ImVec2(1e30f, 1e30f);
    bounds_max_ = ImVec2(-1e30f, -1e30f);
  }
  for (const Position& p : positions) {
    bounds_min_.x = std::min(bounds_min_.x, static_cast<float>(p.x));
    bounds_min_.y = std::min(bounds_min_.y, static_cast<float>(p.y));
    bounds_max_.x = std::max(bounds_max_.x, static_cast<float>(p.x) + kNodeWidth);
    bounds_max_.y = std::max(bounds_max_.y, static_cast<float>(p.y) + kNodeHeight);
  }
  node_colors_.clear();
  minimap_cells_.clear();
  if (positions.size() <= kMinimapNodeLimit) {
    for (const Step& step : doc.pipeline().steps) {
      const KindSpec* kind = FindKind(step.uses);
      node_colors_.push_back(kind != nullptr ? KindColor(*kind) : color::kTextDim);
    }
    return;
  }
  minimap_cells_.assign(kMinimapCols * kMinimapRows, 0);
  const float w = std::max(1.0f, bounds_max_.x - bounds_min_.x);
  const float h = std::max(1.0f, bounds_max_.y - bounds_min_.y);
  for (const Position& p : positions) {
    const int col =
        std::min(kMinimapCols - 1,
                 static_cast<int>((static_cast<float>(p.x) - bounds_min_.x) / w * kMinimapCols));
    const int row =
        std::min(kMinimapRows - 1,
                 static_cast<int>((static_cast<float>(p.y) - bounds_min_.y) / h * kMinimapRows));
    minimap_cells_[row * kMinimapCols + col] = 1;
  }
}

bool Canvas::InMinimap(ImVec2 s) const {
  return minimap_scale_ > 0 && s.x >= minimap_min_.x && s.x <= minimap_max_.x &&
         s.y >= minimap_min_.y && s.y <= minimap_max_.y;
}

Position Canvas::MinimapToCanvas(ImVec2 s) const {
  return Position{bounds_min_.x + (s.x - minimap_origin_.x) / minimap_scale_,
                  bounds_min_.y + (s.y - minimap_origin_.y) / minimap_scale_};
}

void Canvas::DrawMinimap(const Editor& editor, ImDrawList* draw) {
  minimap_scale_ = 0;
  const Document& doc = editor.doc();
  if (!show_minimap || doc.size() == 0 || size_.x < 420 || size_.y < 300) return;
  UpdateBounds(editor);
  const float map_w = std::clamp(0.2f * size_.x, kMinimapMinWidth, kMinimapMaxWidth);
  const ImVec2 kMinimapSize(map_w, map_w * 2.0f / 3.0f);
  minimap_max_ = ImVec2(origin_.x + size_.x - kMinimapMargin, origin_.y + size_.y - kMinimapMargin);
  minimap_min_ = ImVec2(minimap_max_.x - kMinimapSize.x, minimap_max_.y - kMinimapSize.y);
  draw->AddRectFilled(minimap_min_, minimap_max_, color::kMinimap, 4.0f);
  draw->AddRect(minimap_min_, minimap_max_, color::kNodeBorder, 4.0f);
  constexpr float kPad = 6.0f;
  const float w = std::max(1.0f, bounds_max_.x - bounds_min_.x);
  const float h = std::max(1.0f, bounds_max_.y - bounds_min_.y);
  minimap_scale_ = std::min((kMinimapSize.x - 2 * kPad) / w, (kMinimapSize.y - 2 * kPad) / h);
  minimap_origin_ = ImVec2(minimap_min_.x + 0.5f * (kMinimapSize.x - w * minimap_scale_),
                           minimap_min_.y + 0.5f * (kMinimapSize.y - h * minimap_scale_));
  auto map = [&](float x, float y) {
    return ImVec2(minimap_origin_.x + (x - bounds_min_.x) * minimap_scale_,
                  minimap_origin_.y + (y - bounds_min_.y) * minimap_scale_);
  };
  if (minimap_cells_.empty()) {
    const std::vector<Position>& positions = doc.positions();
    for (size_t i = 0; i < positions.size(); ++i) {
      const ImVec2 lo = map(static_cast<float>(positions[i].x), static_cast<float>(positions[i].y));
      const ImVec2 hi(lo.x + std::max(2.0f, kNodeWidth * minimap_scale_),
                      lo.y + std::max(2.0f, kNodeHeight * minimap_scale_));
      ImU32 fill = node_colors_[i];
      if (run_ != nullptr && run_->is_open()) {
        const StepRun* record = run_->StepOf(static_cast<int>(i));
        fill = record != nullptr ? StatusColor(record->status) : color::kNodeBorder;
      }
      draw->AddRectFilled(lo, hi, editor.IsSelected(doc.node(i)) ? color::kText : fill);
    }
  } else {
    const float cell_w = w * minimap_scale_ / kMinimapCols;
    const float cell_h = h * minimap_scale_ / kMinimapRows;
    for (int row = 0; row < kMinimapRows; ++row) {
      for (int col = 0; col < kMinimapCols; ++col) {
        if (!minimap_cells_[row * kMinimapCols + col]) continue;
        const ImVec2 lo(minimap_origin_.x + col * cell_w, minimap_origin_.y + row * cell_h);
        draw->AddRectFilled(lo,
                            ImVec2(lo.x + std::max(1.0f, cell_w), lo.y + std::max(1.0f, cell_h)),
                            color::kNeedsEdge);
      }
    }
  }
  const Position lo = ToCanvas(origin_);
  const Position hi = ToCanvas(ImVec2(origin_.x + size_.x, origin_.y + size_.y));
  draw->PushClipRect(minimap_min_, minimap_max_, true);
  draw->AddRect(map(static_cast<float>(lo.x), static_cast<float>(lo.y)),
                map(static_cast<float>(hi.x), static_cast<float>(hi.y)), color::kMinimapView);
  draw->PopClipRect();
}

// An untouched empty pipeline shows cards over the canvas: one per starter
// template with the steps it chains, "start from scratch" and "open a file".
// Once the user starts from scratch or has edited, a one-line hint remains.
void Canvas::DrawEmptyHint(Editor& editor) {
  if (editor.doc().size() > 0) {
    scratch_ = false;
    return;
  }
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float line = ImGui::GetTextLineHeightWithSpacing();
  auto centered = [&](const char* text, float y, ImU32 color) {
    const float width = ImGui::CalcTextSize(text).x;
    draw->AddText(ImVec2(origin_.x + 0.5f * (size_.x - width), y), color, text);
  };
  if (scratch_ || !QuietEmpty(editor)) {
    centered("Drag a step here from the palette, or double-click the canvas.",
             origin_.y + 0.5f * size_.y - line, color::kTextDim);
    return;
  }
  const float pad = 10.0f;
  const float card_w = std::min(460.0f, size_.x - 40.0f);
  const float wrap = card_w - 2 * pad;
  const size_t n = Templates().size();
  // A card holds the template's name and the steps it chains, wrapped to
  // the card rather than cut.
  std::vector<float> heights(n);
  float total = line * 1.5f + ImGui::GetFrameHeight() + 4.0f;
  for (size_t i = 0; i < n; ++i) {
    const float text = ImGui::CalcTextSize(TemplateSummary(i).c_str(), nullptr, false, wrap).y;
    heights[i] = line + text + 2 * pad;
    total += heights[i] + 8.0f;
  }
  const float x = origin_.x + 0.5f * (size_.x - card_w);
  float y = origin_.y + std::max(20.0f, 0.5f * (size_.y - total));
  centered("Start a pipeline", y, color::kText);
  y += line * 1.5f;
  for (size_t i = 0; i < n; ++i) {
    const float card_h = heights[i];
    ImGui::SetCursorScreenPos(ImVec2(x, y));
    const std::string id = std::string("##template-") + Templates()[i].file;
    const bool pressed = ImGui::InvisibleButton(id.c_str(), ImVec2(card_w, card_h));
    const bool hovered = ImGui::IsItemHovered();
    fields::Mark("canvas/template/" + std::string(Templates()[i].file));
    if (hovered) ImGui::SetMouseCursor(ImGuiMouseCursor_Hand);
    draw->AddRectFilled(ImVec2(x, y), ImVec2(x + card_w, y + card_h),
                        hovered ? color::kNodeHovered : color::kNode, 6.0f);
    draw->AddRect(ImVec2(x, y), ImVec2(x + card_w, y + card_h), color::kNodeBorder, 6.0f);
    draw->AddText(ImVec2(x + pad, y + pad), color::kText, Templates()[i].file);
    const std::string summary = TemplateSummary(i);
    draw->AddText(ImGui::GetFont(), ImGui::GetFontSize(), ImVec2(x + pad, y + pad + line),
                  color::kTextDim, summary.c_str(), nullptr, wrap);
    if (pressed) editor.OpenTemplate(i);
    y += card_h + 8.0f;
  }
  y += 4.0f;
  ImGui::SetCursorScreenPos(ImVec2(x, y));
  if (ImGui::Button("Start from scratch")) scratch_ = true;
  fields::Mark("canvas/scratch");
  ImGui::SameLine();
  if (ImGui::Button("Open a file...")) editor.platform().PickFile();
  fields::Mark("canvas/open");
  ImGui::SameLine();
  // Open takes GitHub Actions and GitLab CI files too, and imports them.
  if (ImGui::Button("Import a workflow...")) editor.platform().PickFile();
  fields::Mark("canvas/import");
  fields::Tooltip("A GitHub Actions workflow or a .gitlab-ci.yml, as tame import reads it");
}

}  // namespace tame::designer
