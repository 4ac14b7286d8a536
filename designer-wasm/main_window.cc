#include "designer-wasm/main_window.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/catalog.h"

namespace tame::designer {
namespace {

constexpr float kGridStep = 32.0f;
constexpr int kMajorLineEvery = 4;
constexpr ImU32 kCanvasBackground = IM_COL32(22, 23, 29, 255);
constexpr ImU32 kGridMinor = IM_COL32(34, 36, 45, 255);
constexpr ImU32 kGridMajor = IM_COL32(48, 51, 64, 255);

constexpr ImGuiWindowFlags kFixedWindow =
    ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
    ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings |
    ImGuiWindowFlags_NoBringToFrontOnFocus;

ImU32 KindColor(const KindSpec& kind) {
  return IM_COL32((kind.color >> 16) & 0xFF, (kind.color >> 8) & 0xFF,
                  kind.color & 0xFF, 255);
}

// The categories that have at least one kind, in palette order.
std::vector<Category> PaletteCategories() {
  std::vector<Category> categories;
  for (const KindSpec& kind : Catalog()) {
    if (std::find(categories.begin(), categories.end(), kind.category) ==
        categories.end()) {
      categories.push_back(kind.category);
    }
  }
  std::sort(categories.begin(), categories.end());
  return categories;
}

// One palette entry: the kind's colour swatch, its title, and below the title
// the `uses` name a pipeline file refers to it by. Hovering shows its doc.
void DrawKindEntry(const KindSpec& kind) {
  const ImGuiStyle& style = ImGui::GetStyle();
  const float line = ImGui::GetTextLineHeight();
  const ImVec2 min = ImGui::GetCursorScreenPos();
  const ImVec2 size(ImGui::GetContentRegionAvail().x,
                    2.0f * line + style.ItemInnerSpacing.y);

  ImGui::PushID(kind.uses.c_str());
  ImGui::Selectable("##kind", false, ImGuiSelectableFlags_None, size);
  ImGui::PopID();
  if (ImGui::IsItemHovered() && !kind.doc.empty()) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 24.0f);
    ImGui::TextUnformatted(kind.doc.c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
  }

  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float swatch = line + style.ItemInnerSpacing.y;
  const float swatch_top = min.y + 0.5f * (size.y - swatch);
  draw->AddRectFilled(ImVec2(min.x + 2.0f, swatch_top),
                      ImVec2(min.x + 2.0f + swatch, swatch_top + swatch),
                      KindColor(kind), 3.0f);
  const float text_x = min.x + 2.0f + swatch + style.ItemSpacing.x;
  draw->AddText(ImVec2(text_x, min.y), ImGui::GetColorU32(ImGuiCol_Text),
                kind.title.c_str());
  draw->AddText(ImVec2(text_x, min.y + line + style.ItemInnerSpacing.y),
                ImGui::GetColorU32(ImGuiCol_TextDisabled), kind.uses.c_str());
}

void DrawPalette(float height) {
  ImGui::SetNextWindowPos(ImVec2(0.0f, 0.0f));
  ImGui::SetNextWindowSize(ImVec2(kPaletteWidth, height));
  if (ImGui::Begin("Palette", nullptr, kFixedWindow)) {
    for (Category category : PaletteCategories()) {
      ImGui::Spacing();
      ImGui::TextDisabled("%s", CategoryName(category));
      ImGui::Separator();
      for (const KindSpec& kind : Catalog()) {
        if (kind.category == category) DrawKindEntry(kind);
      }
    }
  }
  ImGui::End();
}

// Grid lines `step` apart, shifted by `offset`; every kMajorLineEvery-th line
// (counted from the canvas origin, so they move with it) is brighter.
void DrawGridLines(ImDrawList* draw, ImVec2 min, ImVec2 max, ImVec2 offset) {
  const auto first_line = [](float offset_along) {
    return static_cast<int>(std::floor(-offset_along / kGridStep));
  };
  const auto color = [](int index) {
    return index % kMajorLineEvery == 0 ? kGridMajor : kGridMinor;
  };
  for (int i = first_line(offset.x);; ++i) {
    const float x = min.x + offset.x + i * kGridStep;
    if (x >= max.x) break;
    draw->AddLine(ImVec2(x, min.y), ImVec2(x, max.y), color(i));
  }
  for (int i = first_line(offset.y);; ++i) {
    const float y = min.y + offset.y + i * kGridStep;
    if (y >= max.y) break;
    draw->AddLine(ImVec2(min.x, y), ImVec2(max.x, y), color(i));
  }
}

void DrawCanvas(ViewState& view, ImVec2 display) {
  ImGui::SetNextWindowPos(ImVec2(kPaletteWidth, 0.0f));
  ImGui::SetNextWindowSize(ImVec2(display.x - kPaletteWidth, display.y));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0.0f, 0.0f));
  if (ImGui::Begin("Canvas", nullptr,
                   kFixedWindow | ImGuiWindowFlags_NoDecoration |
                       ImGuiWindowFlags_NoScrollWithMouse)) {
    const ImVec2 min = ImGui::GetCursorScreenPos();
    const ImVec2 size = ImGui::GetContentRegionAvail();
    if (size.x > 0.0f && size.y > 0.0f) {
      const ImVec2 max(min.x + size.x, min.y + size.y);
      ImGui::InvisibleButton("##canvas", size,
                             ImGuiButtonFlags_MouseButtonLeft |
                                 ImGuiButtonFlags_MouseButtonMiddle);
      if (ImGui::IsItemActive()) {
        const ImVec2 delta = ImGui::GetIO().MouseDelta;
        view.scroll.x += delta.x;
        view.scroll.y += delta.y;
      }
      ImDrawList* draw = ImGui::GetWindowDrawList();
      draw->AddRectFilled(min, max, kCanvasBackground);
      DrawGridLines(draw, min, max, view.scroll);
    }
  }
  ImGui::End();
  ImGui::PopStyleVar();
}

}  // namespace

void DrawMainWindow(ViewState& view) {
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  DrawPalette(display.y);
  DrawCanvas(view, display);
}

void ApplyTheme() {
  ImGui::StyleColorsDark();
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowRounding = 0.0f;
  style.WindowBorderSize = 0.0f;
  style.FramePadding = ImVec2(8.0f, 6.0f);
  style.ItemSpacing = ImVec2(8.0f, 6.0f);
  ImVec4* colors = style.Colors;
  colors[ImGuiCol_WindowBg] = ImVec4(0.12f, 0.12f, 0.15f, 1.0f);
  colors[ImGuiCol_TitleBg] = ImVec4(0.08f, 0.08f, 0.10f, 1.0f);
  colors[ImGuiCol_TitleBgActive] = colors[ImGuiCol_TitleBg];
  colors[ImGuiCol_Separator] = ImVec4(0.24f, 0.25f, 0.30f, 1.0f);
  colors[ImGuiCol_Header] = ImVec4(0.20f, 0.21f, 0.26f, 1.0f);
  colors[ImGuiCol_HeaderHovered] = ImVec4(0.24f, 0.25f, 0.32f, 1.0f);
  colors[ImGuiCol_HeaderActive] = ImVec4(0.28f, 0.30f, 0.38f, 1.0f);
}

}  // namespace tame::designer
