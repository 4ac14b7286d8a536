#include "designer-wasm/theme.h"

namespace tame::designer {

void ApplyTheme() {
  ImGui::StyleColorsDark();
  ImGuiStyle& style = ImGui::GetStyle();
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
  c[ImGuiCol_CheckMark] = ToVec4(color::kAccent);
  c[ImGuiCol_TextSelectedBg] = ImVec4(0.35f, 0.66f, 1.0f, 0.35f);
}

}  // namespace tame::designer
