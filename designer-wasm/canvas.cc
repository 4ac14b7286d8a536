// The canvas's view and gestures; canvas_draw.cc draws it.
#include "designer-wasm/canvas.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/catalog.h"
#include "designer-wasm/keys.h"
#include "designer-wasm/theme.h"

namespace tame::designer {
namespace {

constexpr float kSnap = 8.0f;
constexpr float kDragThreshold = 4.0f;

float Snap(double v) { return kSnap * std::round(static_cast<float>(v) / kSnap); }

float PortRadius(float zoom) { return std::max(8.0f, 7.0f * zoom); }

float Distance(ImVec2 a, ImVec2 b) { return std::hypot(a.x - b.x, a.y - b.y); }

// Escape closes the open menu, as it does in every other program.
bool BeginMenuPopup(const char* id) {
  if (!ImGui::BeginPopup(id)) return false;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) ImGui::CloseCurrentPopup();
  return true;
}

bool Modifier() {
  const ImGuiIO& io = ImGui::GetIO();
  return io.KeyShift || io.KeyCtrl || io.KeySuper;
}

}  // namespace

// ---- The view ----------------------------------------------------------------

ImVec2 Canvas::ToScreen(Position p) const {
  return ImVec2(origin_.x + scroll_.x + static_cast<float>(p.x) * zoom_,
                origin_.y + scroll_.y + static_cast<float>(p.y) * zoom_);
}

Position Canvas::ToCanvas(ImVec2 s) const {
  return Position{(s.x - origin_.x - scroll_.x) / zoom_, (s.y - origin_.y - scroll_.y) / zoom_};
}

NodeBox Canvas::Box(const Editor& editor, int index) const {
  NodeBox box;
  box.min = ToScreen(editor.doc().positions()[index]);
  box.max = ImVec2(box.min.x + kNodeWidth * zoom_, box.min.y + kNodeHeight * zoom_);
  const float middle = 0.5f * (box.min.y + box.max.y);
  box.in_port = ImVec2(box.min.x, middle);
  box.out_port = ImVec2(box.max.x, middle);
  return box;
}

Position Canvas::ViewCenter() const {
  return ToCanvas(ImVec2(origin_.x + 0.5f * size_.x, origin_.y + 0.5f * size_.y));
}

void Canvas::ScrollBy(ImVec2 delta) {
  scroll_.x += delta.x;
  scroll_.y += delta.y;
}

void Canvas::ZoomAt(ImVec2 screen, float zoom) {
  zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
  const Position at = ToCanvas(screen);
  zoom_ = zoom;
  scroll_.x = screen.x - origin_.x - static_cast<float>(at.x) * zoom_;
  scroll_.y = screen.y - origin_.y - static_cast<float>(at.y) * zoom_;
}

void Canvas::ZoomBy(float factor) {
  ZoomAt(ImVec2(origin_.x + 0.5f * size_.x, origin_.y + 0.5f * size_.y), zoom_ * factor);
}

void Canvas::AddWheel(float dx, float dy, bool zoom) {
  if (zoom) {
    wheel_zoom_ += dy;
  } else {
    wheel_.x += dx;
    wheel_.y += dy;
  }
}

// Space kept free around what Fit() shows, in screen pixels.
constexpr float kMargin = 40.0f;

// Shows the canvas rectangle [lo, hi] as large as fits between the zoom
// limits; an axis that does not fit starts at its low end when `top_left`.
void Canvas::Fit(ImVec2 lo, ImVec2 hi, float min_zoom, float max_zoom, bool top_left) {
  const ImVec2 room(std::max(1.0f, size_.x - 2 * kMargin), std::max(1.0f, size_.y - 2 * kMargin));
  const ImVec2 extent(std::max(1.0f, hi.x - lo.x), std::max(1.0f, hi.y - lo.y));
  zoom_ = std::clamp(std::min(room.x / extent.x, room.y / extent.y), min_zoom, max_zoom);
  auto place = [&](float room_along, float size_along, float lo_along, float extent_along) {
    if (!top_left || extent_along * zoom_ <= room_along) {
      return 0.5f * size_along - (lo_along + 0.5f * extent_along) * zoom_;
    }
    return kMargin - lo_along * zoom_;
  };
  scroll_.x = place(room.x, size_.x, lo.x, extent.x);
  scroll_.y = place(room.y, size_.y, lo.y, extent.y);
}

void Canvas::HandleViewRequests(Editor& editor) {
  const Document& doc = editor.doc();
  const ViewRequest request = editor.view_request;
  editor.view_request = ViewRequest::kNone;
  if (request != ViewRequest::kNone && doc.size() > 0) {
    UpdateBounds(editor);
    ImVec2 lo = bounds_min_;
    ImVec2 hi = bounds_max_;
    if (request == ViewRequest::kFitSelection && !editor.selection().empty()) {
      lo = ImVec2(1e30f, 1e30f);
      hi = ImVec2(-1e30f, -1e30f);
      for (NodeId node : editor.selection()) {
        const Position p = doc.positions()[doc.IndexOf(node)];
        lo = ImVec2(std::min(lo.x, static_cast<float>(p.x)),
                    std::min(lo.y, static_cast<float>(p.y)));
        hi = ImVec2(std::max(hi.x, static_cast<float>(p.x) + kNodeWidth),
                    std::max(hi.y, static_cast<float>(p.y) + kNodeHeight));
      }
    }
    // An opened pipeline is shown whole while its steps can still show
    // their ids; a larger one starts at its top left, readable.
    const float whole = std::min((size_.x - 2 * kMargin) / std::max(1.0f, hi.x - lo.x),
                                 (size_.y - 2 * kMargin) / std::max(1.0f, hi.y - lo.y));
    if (request == ViewRequest::kShowAll) {
      Fit(lo, hi, kMinZoom, 1.0f, /*top_left=*/false);
    } else if (whole < kDetailZoom) {
      Fit(lo, hi, kTwoLineZoom, 1.0f, /*top_left=*/true);
    } else {
      Fit(lo, hi, kDetailZoom, 1.0f, /*top_left=*/false);
    }
  } else if (request == ViewRequest::kShowOpened) {
    zoom_ = 1.0f;
    scroll_ = ImVec2(40, 40);
  }
  if (editor.focus_request) {
    const int index = doc.IndexOf(editor.focus_request);
    editor.focus_request = NodeId();
    if (index >= 0) {
      if (zoom_ < 0.6f) zoom_ = 1.0f;
      const Position p = doc.positions()[index];
      scroll_.x = 0.5f * size_.x - (static_cast<float>(p.x) + 0.5f * kNodeWidth) * zoom_;
      scroll_.y = 0.5f * size_.y - (static_cast<float>(p.y) + 0.5f * kNodeHeight) * zoom_;
    }
  }
}

// ---- A frame -------------------------------------------------------------------

void Canvas::Draw(Editor& editor) {
  origin_ = ImGui::GetCursorScreenPos();
  size_ = ImGui::GetContentRegionAvail();
  if (size_.x < 1 || size_.y < 1) return;
  editor.layout_width = size_.x / kTwoLineZoom;
  HandleViewRequests(editor);

  // Buttons over the canvas come first, so that they and not the canvas
  // get the mouse; they draw into a channel above the canvas's.
  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->ChannelsSplit(2);
  draw->ChannelsSetCurrent(1);
  DrawEmptyHint(editor);
  draw->ChannelsSetCurrent(0);
  ImGui::SetCursorScreenPos(origin_);
  ImGui::InvisibleButton("##canvas", size_,
                         ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight |
                             ImGuiButtonFlags_MouseButtonMiddle);
  hovered_ = ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenBlockedByActiveItem) &&
             !ImGui::IsPopupOpen("", ImGuiPopupFlags_AnyPopupId);
  AcceptPaletteDrop(editor);

  const ImGuiIO& io = ImGui::GetIO();
  if (hovered_ && wheel_zoom_ != 0) ZoomAt(io.MousePos, zoom_ * std::exp(-wheel_zoom_ * 0.0025f));
  if (hovered_ && (wheel_.x != 0 || wheel_.y != 0)) {
    // Shift turns a plain wheel sideways, as in browsers.
    if (io.KeyShift && wheel_.x == 0) std::swap(wheel_.x, wheel_.y);
    ScrollBy(ImVec2(-wheel_.x, -wheel_.y));
  }
  wheel_ = ImVec2(0, 0);
  wheel_zoom_ = 0;

  FindVisible(editor);
  HitTest(editor);
  HandleMouse(editor);
  // The cursor says what a press does: connect from a port, move a node,
  // pick from the minimap, move the view while panning.
  if (hovered_ || mode_ != Mode::kIdle) {
    if (mode_ == Mode::kConnect || hover_out_port_ || hover_in_port_) {
      ImGui::SetMouseCursor(ImGuiMouseCursor_Hand);
    } else if (mode_ == Mode::kMove || hover_node_ >= 0) {
      ImGui::SetMouseCursor(ImGuiMouseCursor_ResizeAll);
    } else if (InMinimap(io.MousePos)) {
      ImGui::SetMouseCursor(ImGuiMouseCursor_Hand);
    }
  }
  if (mode_ != Mode::kIdle && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
    mode_ = Mode::kIdle;  // cancels a move, box or connection in progress
    move_delta_ = ImVec2(0, 0);
  }

  draw->PushClipRect(origin_, ImVec2(origin_.x + size_.x, origin_.y + size_.y), true);
  draw->AddRectFilled(origin_, ImVec2(origin_.x + size_.x, origin_.y + size_.y), color::kCanvas);
  DrawGrid(draw);
  DrawEdges(editor, draw);
  DrawNodes(editor, draw);
  DrawGestures(editor, draw);
  DrawMinimap(editor, draw);
  draw->PopClipRect();
  draw->ChannelsMerge();
  DrawContextMenus(editor);
}

void Canvas::FindVisible(const Editor& editor) {
  const std::vector<Position>& positions = editor.doc().positions();
  const Position lo = ToCanvas(origin_);
  const Position hi = ToCanvas(ImVec2(origin_.x + size_.x, origin_.y + size_.y));
  const double left = lo.x - kNodeWidth - 16, right = hi.x + 16;
  const double top = lo.y - kNodeHeight - 16, bottom = hi.y + 16;
  const bool moving = mode_ == Mode::kMove && dragged_;
  visible_.clear();
  for (size_t i = 0; i < positions.size(); ++i) {
    Position p = positions[i];
    if (moving && editor.IsSelected(editor.doc().node(i))) {
      p.x += move_delta_.x;
      p.y += move_delta_.y;
    }
    if (p.x >= left && p.x <= right && p.y >= top && p.y <= bottom) {
      visible_.push_back(static_cast<int>(i));
    }
  }
}

// What is under the mouse: a node (topmost first) and one of its ports, or
// else an edge.
void Canvas::HitTest(const Editor& editor) {
  hover_node_ = -1;
  hover_in_port_ = hover_out_port_ = false;
  hover_edge_.reset();
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  if (!hovered_ && mode_ == Mode::kIdle) return;
  if (InMinimap(mouse) && mode_ != Mode::kConnect) return;
  const bool detail = zoom_ >= kDetailZoom;
  const float radius = PortRadius(zoom_);
  for (auto it = visible_.rbegin(); it != visible_.rend(); ++it) {
    const NodeBox box = Box(editor, *it);
    const bool on_in = detail && Distance(mouse, box.in_port) <= radius;
    const bool on_out = detail && Distance(mouse, box.out_port) <= radius;
    const bool inside = mouse.x >= box.min.x && mouse.x <= box.max.x && mouse.y >= box.min.y &&
                        mouse.y <= box.max.y;
    if (inside || on_in || on_out) {
      hover_node_ = *it;
      hover_in_port_ = on_in;
      hover_out_port_ = on_out;
      return;
    }
  }
  if (!detail || mode_ != Mode::kIdle) return;
  hover_edge_ = EdgeAt(editor, mouse);
}

// ---- Gestures ----------------------------------------------------------------

void Canvas::HandleMouse(Editor& editor) {
  const ImGuiIO& io = ImGui::GetIO();
  const ImVec2 mouse = io.MousePos;
  if (mode_ == Mode::kIdle && hovered_) {
    for (int button = 0; button < 3; ++button) {
      if (!ImGui::IsMouseClicked(button)) continue;
      press_ = mouse;
      press_button_ = button;
      dragged_ = false;
      if (button != 0) {
        mode_ = Mode::kPan;
      } else if (InMinimap(mouse)) {
        mode_ = Mode::kMinimap;
      } else if (ImGui::IsKeyDown(kKeySpace)) {
        mode_ = Mode::kPan;
      } else if (hover_node_ >= 0) {
        const NodeId node = editor.doc().node(hover_node_);
        if (hover_out_port_ || hover_in_port_) {
          mode_ = Mode::kConnect;
          connect_node_ = node;
          connect_from_input_ = hover_in_port_;
        } else {
          mode_ = Mode::kMove;
          press_node_ = node;
          press_was_selected_ = editor.IsSelected(node);
          if (!press_was_selected_) editor.Select(node, Modifier());
        }
      } else if (hover_edge_) {
        editor.ClearSelection();
        editor.selected_edge = hover_edge_;
      } else {
        mode_ = Mode::kBoxSelect;
        box_adds_ = Modifier();
        box_base_ = box_adds_ ? editor.selection() : std::vector<NodeId>{};
        if (!box_adds_) editor.ClearSelection();
      }
      if (button == 0 && ImGui::IsMouseDoubleClicked(0) && hover_node_ < 0 && !hover_edge_ &&
          !InMinimap(mouse)) {
        mode_ = Mode::kIdle;
        OpenAddStepMenu(ToCanvas(mouse), NodeId(), false);
      }
      break;
    }
  }
  if (mode_ == Mode::kIdle) return;
  if (!dragged_ && Distance(mouse, press_) > kDragThreshold) dragged_ = true;
  switch (mode_) {
    case Mode::kPan:
      if (dragged_) ScrollBy(io.MouseDelta);
      break;
    case Mode::kMove:
      if (dragged_) {
        move_delta_ = ImVec2((mouse.x - press_.x) / zoom_, (mouse.y - press_.y) / zoom_);
      }
      break;
    case Mode::kMinimap: {
      const Position at = MinimapToCanvas(mouse);
      scroll_.x = 0.5f * size_.x - static_cast<float>(at.x) * zoom_;
      scroll_.y = 0.5f * size_.y - static_cast<float>(at.y) * zoom_;
      break;
    }
    default:
      break;
  }
  if (!ImGui::IsMouseDown(press_button_)) FinishGesture(editor);
}

void Canvas::FinishGesture(Editor& editor) {
  Document& doc = editor.doc();
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const Mode mode = mode_;
  mode_ = Mode::kIdle;
  switch (mode) {
    case Mode::kPan:
      if (press_button_ == 1 && !dragged_) {
        menu_at_ = ToCanvas(mouse);
        if (hover_node_ >= 0) {
          menu_node_ = doc.node(hover_node_);
          if (!editor.IsSelected(menu_node_)) editor.Select(menu_node_, false);
          ImGui::OpenPopup("node-menu");
        } else if (hover_edge_) {
          editor.ClearSelection();
          editor.selected_edge = hover_edge_;
          ImGui::OpenPopup("edge-menu");
        } else {
          ImGui::OpenPopup("canvas-menu");
        }
      }
      break;
    case Mode::kMove: {
      if (!dragged_) {
        // A click: on a selected node it narrows the selection to that node,
        // with a modifier it takes the node out.
        if (press_was_selected_) editor.Select(press_node_, Modifier());
        break;
      }
      std::vector<std::pair<NodeId, Position>> moves;
      for (NodeId node : editor.selection()) {
        const Position p = doc.positions()[doc.IndexOf(node)];
        moves.push_back({node, Position{Snap(p.x + move_delta_.x), Snap(p.y + move_delta_.y)}});
      }
      move_delta_ = ImVec2(0, 0);
      editor.Report(doc.MoveSteps(moves));
      break;
    }
    case Mode::kConnect: {
      if (hover_node_ >= 0) {
        const NodeId other = doc.node(hover_node_);
        if (other == connect_node_) break;
        const NodeId from = connect_from_input_ ? other : connect_node_;
        const NodeId to = connect_from_input_ ? connect_node_ : other;
        editor.Report(doc.Connect(from, to));
      } else if (dragged_ && hovered_ && !InMinimap(mouse)) {
        OpenAddStepMenu(ToCanvas(mouse), connect_node_, connect_from_input_);
      }
      break;
    }
    case Mode::kBoxSelect: {
      if (!dragged_) break;
      const ImVec2 lo(std::min(press_.x, mouse.x), std::min(press_.y, mouse.y));
      const ImVec2 hi(std::max(press_.x, mouse.x), std::max(press_.y, mouse.y));
      std::vector<NodeId> chosen = box_base_;
      for (size_t i = 0; i < doc.size(); ++i) {
        const NodeBox box = Box(editor, static_cast<int>(i));
        if (box.max.x < lo.x || box.min.x > hi.x || box.max.y < lo.y || box.min.y > hi.y) continue;
        const NodeId node = doc.node(i);
        if (std::find(box_base_.begin(), box_base_.end(), node) == box_base_.end()) {
          chosen.push_back(node);
        }
      }
      editor.SetSelection(std::move(chosen));
      break;
    }
    default:
      break;
  }
  move_delta_ = ImVec2(0, 0);
  dragged_ = false;
}

void Canvas::AcceptPaletteDrop(Editor& editor) {
  if (!ImGui::BeginDragDropTarget()) return;
  if (const ImGuiPayload* payload = ImGui::AcceptDragDropPayload(kKindPayload)) {
    int kind = 0;
    std::memcpy(&kind, payload->Data, sizeof kind);
    if (kind >= 0 && static_cast<size_t>(kind) < Catalog().size()) {
      const Position at = ToCanvas(ImGui::GetIO().MousePos);
      editor.AddStep(Catalog()[kind].uses,
                     Position{Snap(at.x - 0.5 * kNodeWidth), Snap(at.y - 0.5 * kNodeHeight)});
    }
  }
  ImGui::EndDragDropTarget();
}

// ---- Menus -------------------------------------------------------------------

void Canvas::OpenAddStepMenu(Position at, NodeId connect, bool connect_input) {
  menu_at_ = at;
  add_connects_from_ = connect;
  add_connects_input_ = connect_input;
  add_filter_[0] = '\0';
  ImGui::OpenPopup("add-step");
}

void Canvas::DrawContextMenus(Editor& editor) {
  Document& doc = editor.doc();
  if (BeginMenuPopup("node-menu")) {
    const int index = doc.IndexOf(menu_node_);
    if (index >= 0) ImGui::TextDisabled("%s", doc.pipeline().steps[index].id.c_str());
    ImGui::Separator();
    if (ImGui::MenuItem("Duplicate", "Ctrl+D")) editor.DuplicateSelection();
    if (ImGui::MenuItem("Copy", "Ctrl+C")) {
      editor.platform().WriteClipboard(editor.CopySelection());
    }
    if (ImGui::MenuItem("Delete", "Del")) editor.DeleteSelection();
    ImGui::EndPopup();
  }
  if (BeginMenuPopup("edge-menu")) {
    if (ImGui::MenuItem("Remove this dependency", "Del")) editor.DeleteSelection();
    ImGui::EndPopup();
  }
  if (BeginMenuPopup("canvas-menu")) {
    if (ImGui::BeginMenu("Add step")) {
      for (size_t c = 0; c <= static_cast<size_t>(Category::kNotify); ++c) {
        ImGui::TextDisabled("%s", CategoryName(static_cast<Category>(c)));
        for (const KindSpec& kind : Catalog()) {
          if (kind.category != static_cast<Category>(c)) continue;
          if (ImGui::MenuItem(kind.title.c_str(), kind.uses.c_str())) {
            editor.AddStep(kind.uses, Position{Snap(menu_at_.x), Snap(menu_at_.y)});
          }
        }
      }
      ImGui::EndMenu();
    }
    if (ImGui::MenuItem("Paste here", "Ctrl+V")) {
      editor.paste_at = menu_at_;
      editor.platform().ReadClipboard();
    }
    ImGui::Separator();
    if (ImGui::MenuItem("Select all", "Ctrl+A")) editor.SelectAll();
    if (ImGui::MenuItem("Auto-layout", "L")) editor.AutoLayout();
    if (ImGui::MenuItem("Fit to view", "F")) editor.view_request = ViewRequest::kFitAll;
    ImGui::EndPopup();
  }
  DrawAddStepMenu(editor);
}

// A searchable list of kinds, for a double-click on the canvas or a
// connection dropped on empty canvas (then the new step is connected).
void Canvas::DrawAddStepMenu(Editor& editor) {
  if (!BeginMenuPopup("add-step")) return;
  if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
  ImGui::SetNextItemWidth(220);
  const bool enter =
      ImGui::InputTextWithHint("##filter", "Add a step: type to search", add_filter_,
                               sizeof add_filter_, ImGuiInputTextFlags_EnterReturnsTrue);
  const KindSpec* chosen = nullptr;
  for (const KindSpec& kind : Catalog()) {
    if (!KindMatches(kind, add_filter_)) continue;
    if (enter && chosen == nullptr) chosen = &kind;
    ImGui::PushStyleColor(ImGuiCol_Text, ToVec4(KindColor(kind)));
    ImGui::Bullet();
    ImGui::PopStyleColor();
    ImGui::SameLine();
    if (ImGui::Selectable(kind.title.c_str())) chosen = &kind;
  }
  if (chosen != nullptr) {
    Document& doc = editor.doc();
    EditResult added = doc.AddStep(chosen->uses, "", Position{Snap(menu_at_.x), Snap(menu_at_.y)});
    if (editor.Report(added)) {
      editor.SetSelection(added.added);
      if (add_connects_from_) {
        const NodeId node = added.added[0];
        editor.Report(add_connects_input_ ? doc.Connect(node, add_connects_from_)
                                          : doc.Connect(add_connects_from_, node));
      }
    }
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
}

bool KindMatches(const KindSpec& kind, const char* filter) {
  if (filter[0] == '\0') return true;
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  const std::string needle = lower(filter);
  return lower(kind.title).find(needle) != std::string::npos ||
         lower(kind.uses).find(needle) != std::string::npos ||
         lower(CategoryName(kind.category)).find(needle) != std::string::npos ||
         lower(kind.doc).find(needle) != std::string::npos;
}

}  // namespace tame::designer
