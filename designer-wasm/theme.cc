#include "designer-wasm/theme.h"

#include <cmath>
#include <cstring>

namespace tame::designer {
namespace {

// The dark theme: a near-black canvas, slate nodes, light text.
constexpr ThemeColors kDark = {
    /*canvas=*/IM_COL32(22, 23, 29, 255),
    /*grid_minor=*/IM_COL32(31, 33, 41, 255),
    /*grid_major=*/IM_COL32(42, 45, 56, 255),
    /*node=*/IM_COL32(40, 43, 54, 255),
    /*node_hovered=*/IM_COL32(48, 52, 65, 255),
    /*node_border=*/IM_COL32(66, 70, 86, 255),
    /*text=*/IM_COL32(232, 234, 240, 255),
    /*text_dim=*/IM_COL32(150, 156, 172, 255),
    /*accent=*/IM_COL32(90, 169, 255, 255),
    /*accent_faint=*/IM_COL32(90, 169, 255, 40),
    /*error=*/IM_COL32(236, 84, 88, 255),
    /*ok=*/IM_COL32(76, 178, 96, 255),
    /*warning=*/IM_COL32(232, 186, 72, 255),
    /*needs_edge=*/IM_COL32(140, 148, 170, 255),
    /*data_edge=*/IM_COL32(230, 170, 70, 255),
    /*port=*/IM_COL32(24, 25, 31, 255),
    /*minimap=*/IM_COL32(14, 15, 19, 220),
    /*minimap_view=*/IM_COL32(230, 232, 240, 150),
    /*skipped=*/IM_COL32(128, 134, 150, 255),
    /*cached=*/IM_COL32(64, 176, 196, 255),
    /*cancelled=*/IM_COL32(222, 128, 62, 255),
    /*not_run=*/IM_COL32(96, 101, 118, 255),
    /*unknown=*/IM_COL32(170, 122, 222, 255),
    /*icon_ink=*/IM_COL32(16, 17, 22, 255),
    /*badge_ink=*/IM_COL32(255, 255, 255, 255),
    /*log_background=*/IM_COL32(22, 23, 29, 255),
};

// The light theme: a pale grey canvas under white nodes, near-black text,
// and status colours a shade deeper than the dark theme's, so that they
// read as text on white (about 4.5:1 and more).
constexpr ThemeColors kLight = {
    /*canvas=*/IM_COL32(243, 244, 247, 255),
    /*grid_minor=*/IM_COL32(232, 234, 239, 255),
    /*grid_major=*/IM_COL32(216, 219, 227, 255),
    /*node=*/IM_COL32(255, 255, 255, 255),
    /*node_hovered=*/IM_COL32(238, 243, 252, 255),
    /*node_border=*/IM_COL32(180, 186, 200, 255),
    /*text=*/IM_COL32(28, 31, 40, 255),
    /*text_dim=*/IM_COL32(92, 98, 114, 255),
    /*accent=*/IM_COL32(20, 108, 212, 255),
    /*accent_faint=*/IM_COL32(20, 108, 212, 40),
    /*error=*/IM_COL32(196, 36, 44, 255),
    /*ok=*/IM_COL32(26, 127, 55, 255),
    /*warning=*/IM_COL32(158, 104, 0, 255),
    /*needs_edge=*/IM_COL32(122, 130, 150, 255),
    /*data_edge=*/IM_COL32(180, 104, 0, 255),
    /*port=*/IM_COL32(255, 255, 255, 255),
    /*minimap=*/IM_COL32(255, 255, 255, 230),
    /*minimap_view=*/IM_COL32(40, 44, 56, 150),
    /*skipped=*/IM_COL32(112, 118, 134, 255),
    /*cached=*/IM_COL32(14, 128, 150, 255),
    /*cancelled=*/IM_COL32(196, 90, 20, 255),
    /*not_run=*/IM_COL32(150, 156, 170, 255),
    /*unknown=*/IM_COL32(130, 80, 196, 255),
    /*icon_ink=*/IM_COL32(255, 255, 255, 255),
    /*badge_ink=*/IM_COL32(255, 255, 255, 255),
    /*log_background=*/IM_COL32(255, 255, 255, 255),
};

bool light_in_use = false;
ImFont* canvas_font = nullptr;

ImVec4 Rgb(int r, int g, int b, float a = 1.0f) {
  return ImVec4(static_cast<float>(r) / 255, static_cast<float>(g) / 255,
                static_cast<float>(b) / 255, a);
}

// Sizes at the default text size; ApplyLook() scales them with the text.
void SetSizes(ImGuiStyle& style) {
  style.WindowRounding = 0.0f;
  style.WindowBorderSize = 1.0f;
  style.ChildRounding = 4.0f;
  style.FrameRounding = 3.0f;
  style.PopupRounding = 4.0f;
  style.PopupBorderSize = 1.0f;
  style.GrabRounding = 3.0f;
  style.TabRounding = 3.0f;
  style.FramePadding = ImVec2(7.0f, 5.0f);
  style.ItemSpacing = ImVec2(8.0f, 6.0f);
  style.WindowPadding = ImVec2(10.0f, 8.0f);
  style.ScrollbarSize = 12.0f;
}

void SetDarkColors(ImGuiStyle& style) {
  ImGui::StyleColorsDark(&style);
  ImVec4* c = style.Colors;
  c[ImGuiCol_WindowBg] = ImVec4(0.118f, 0.122f, 0.149f, 1.0f);
  c[ImGuiCol_ChildBg] = ImVec4(0.0f, 0.0f, 0.0f, 0.0f);
  c[ImGuiCol_PopupBg] = ImVec4(0.075f, 0.078f, 0.095f, 0.98f);  // apart from nodes and panels
  c[ImGuiCol_Border] = ImVec4(0.26f, 0.27f, 0.33f, 1.0f);
  c[ImGuiCol_MenuBarBg] = ImVec4(0.09f, 0.094f, 0.114f, 1.0f);
  c[ImGuiCol_TitleBg] = ImVec4(0.08f, 0.08f, 0.10f, 1.0f);
  c[ImGuiCol_TitleBgActive] = c[ImGuiCol_TitleBg];
  c[ImGuiCol_FrameBg] = ImVec4(0.165f, 0.172f, 0.212f, 1.0f);
  c[ImGuiCol_FrameBgHovered] = ImVec4(0.20f, 0.21f, 0.26f, 1.0f);
  c[ImGuiCol_FrameBgActive] = ImVec4(0.22f, 0.24f, 0.30f, 1.0f);
  c[ImGuiCol_Separator] = ImVec4(0.24f, 0.25f, 0.30f, 1.0f);
  c[ImGuiCol_Header] = ImVec4(0.20f, 0.21f, 0.26f, 1.0f);
  c[ImGuiCol_HeaderHovered] = ImVec4(0.24f, 0.26f, 0.33f, 1.0f);
  c[ImGuiCol_HeaderActive] = ImVec4(0.28f, 0.30f, 0.38f, 1.0f);
  c[ImGuiCol_Button] = ImVec4(0.20f, 0.215f, 0.27f, 1.0f);
  c[ImGuiCol_ButtonHovered] = ImVec4(0.26f, 0.33f, 0.46f, 1.0f);
  c[ImGuiCol_ButtonActive] = ImVec4(0.30f, 0.42f, 0.62f, 1.0f);
  c[ImGuiCol_Tab] = ImVec4(0.15f, 0.155f, 0.19f, 1.0f);
  c[ImGuiCol_TabHovered] = ImVec4(0.26f, 0.33f, 0.46f, 1.0f);
  c[ImGuiCol_TabActive] = ImVec4(0.22f, 0.28f, 0.40f, 1.0f);
  c[ImGuiCol_TextSelectedBg] = ImVec4(0.35f, 0.66f, 1.0f, 0.35f);
}

// Light panels a step darker than white, white fields and popups, and
// greys dark enough for disabled text to stay legible.
void SetLightColors(ImGuiStyle& style) {
  ImGui::StyleColorsLight(&style);
  ImVec4* c = style.Colors;
  c[ImGuiCol_Text] = Rgb(28, 31, 40);
  c[ImGuiCol_TextDisabled] = Rgb(104, 110, 126);
  c[ImGuiCol_WindowBg] = Rgb(250, 250, 252);
  c[ImGuiCol_ChildBg] = ImVec4(0.0f, 0.0f, 0.0f, 0.0f);
  c[ImGuiCol_PopupBg] = Rgb(255, 255, 255, 0.99f);
  c[ImGuiCol_Border] = Rgb(204, 208, 218);
  c[ImGuiCol_BorderShadow] = ImVec4(0.0f, 0.0f, 0.0f, 0.0f);
  c[ImGuiCol_MenuBarBg] = Rgb(236, 238, 243);
  c[ImGuiCol_TitleBg] = Rgb(232, 234, 240);
  c[ImGuiCol_TitleBgActive] = Rgb(222, 226, 236);
  c[ImGuiCol_TitleBgCollapsed] = c[ImGuiCol_TitleBg];
  c[ImGuiCol_FrameBg] = Rgb(234, 236, 242);
  c[ImGuiCol_FrameBgHovered] = Rgb(224, 230, 244);
  c[ImGuiCol_FrameBgActive] = Rgb(212, 222, 244);
  c[ImGuiCol_Separator] = Rgb(210, 214, 222);
  c[ImGuiCol_Header] = Rgb(218, 228, 246);
  c[ImGuiCol_HeaderHovered] = Rgb(204, 219, 246);
  c[ImGuiCol_HeaderActive] = Rgb(184, 204, 242);
  c[ImGuiCol_Button] = Rgb(226, 229, 236);
  c[ImGuiCol_ButtonHovered] = Rgb(204, 219, 246);
  c[ImGuiCol_ButtonActive] = Rgb(176, 200, 244);
  c[ImGuiCol_Tab] = Rgb(226, 229, 236);
  c[ImGuiCol_TabHovered] = Rgb(204, 219, 246);
  c[ImGuiCol_TabActive] = Rgb(190, 208, 242);
  c[ImGuiCol_ScrollbarBg] = ImVec4(0.0f, 0.0f, 0.0f, 0.0f);
  c[ImGuiCol_ScrollbarGrab] = Rgb(190, 194, 204);
  c[ImGuiCol_ScrollbarGrabHovered] = Rgb(164, 170, 184);
  c[ImGuiCol_ScrollbarGrabActive] = Rgb(140, 146, 162);
  c[ImGuiCol_TableHeaderBg] = Rgb(232, 234, 240);
  c[ImGuiCol_TableRowBgAlt] = Rgb(0, 0, 0, 0.04f);
  c[ImGuiCol_TextSelectedBg] = Rgb(20, 108, 212, 0.25f);
  c[ImGuiCol_ModalWindowDimBg] = Rgb(40, 44, 56, 0.30f);
}

}  // namespace

const ThemeColors& DarkColors() { return kDark; }
const ThemeColors& LightColors() { return kLight; }

ImU32 KindTextColor(const KindSpec& kind) {
  if (!light_in_use) return KindColor(kind);
  // Two thirds of each channel: yellow 0xC4A000 becomes 0x836B00.
  auto dark = [](unsigned channel) { return (channel & 0xFF) * 2 / 3; };
  return IM_COL32(dark(kind.color >> 16), dark(kind.color >> 8), dark(kind.color), 255);
}

const char* ThemeChoiceName(ThemeChoice choice) {
  switch (choice) {
    case ThemeChoice::kLight:
      return "light";
    case ThemeChoice::kDark:
      return "dark";
    case ThemeChoice::kSystem:
      break;
  }
  return "system";
}

bool ParseThemeChoice(const char* text, ThemeChoice* choice) {
  for (ThemeChoice c : {ThemeChoice::kSystem, ThemeChoice::kLight, ThemeChoice::kDark}) {
    if (std::strcmp(text, ThemeChoiceName(c)) == 0) {
      *choice = c;
      return true;
    }
  }
  return false;
}

float NearestTextSize(float size) {
  float best = kDefaultTextSize;
  for (float s : kTextSizes) {
    if (std::fabs(s - size) < std::fabs(best - size)) best = s;
  }
  return best;
}

float StepTextSize(float size, int steps) {
  constexpr int kCount = static_cast<int>(sizeof kTextSizes / sizeof kTextSizes[0]);
  int at = 0;
  const float nearest = NearestTextSize(size);
  while (at < kCount && kTextSizes[at] != nearest) ++at;
  at += steps;
  if (at < 0) at = 0;
  if (at >= kCount) at = kCount - 1;
  return kTextSizes[at];
}

void ApplyLook(bool light, float text_size) {
  light_in_use = light;
  internal::active_colors = light ? kLight : kDark;
  ImGuiStyle style;
  SetSizes(style);
  if (light) {
    SetLightColors(style);
  } else {
    SetDarkColors(style);
  }
  style.Colors[ImGuiCol_CheckMark] = ToVec4(color::kAccent);
  style.Colors[ImGuiCol_NavHighlight] = ToVec4(color::kAccent);
  // Spacing grows with the text, rounded to whole pixels so that rows stay
  // on the pixel grid.
  const float scale = text_size / kDefaultTextSize;
  if (scale != 1.0f) style.ScaleAllSizes(scale);
  style.WindowBorderSize = 1.0f;
  style.PopupBorderSize = 1.0f;
  ImGui::GetStyle() = style;
}

bool LightInUse() { return light_in_use; }

ImFont* CanvasFont() { return canvas_font; }
void SetCanvasFont(ImFont* font) { canvas_font = font; }

}  // namespace tame::designer
