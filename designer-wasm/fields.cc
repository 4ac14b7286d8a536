#include "designer-wasm/fields.h"

#include <algorithm>
#include <cctype>

#include "designer-wasm/theme.h"
#include "imgui_internal.h"  // ImGui::GetActiveID and the active field's text state
#include "imgui_stdlib.h"

namespace tame::designer::fields {
namespace {

// The field being typed in, and its text so far. Only one field has the
// keyboard at a time.
ImGuiID editing_id = 0;
int editing_frame = 0;  // when the field being typed in was last drawn
std::string editing_text;
std::string scratch;

// The field that committed in this frame, and a refused commit's reason,
// shown below the field it belongs to.
ImGuiID committed_id = 0;
ImGuiID refused_id = 0;
bool refused_drawn = false;
std::string refused_why;

// The reference picker: which field it fills, the field's text when it
// opened, whether typing `${{` opened it (the picked reference then
// replaces those characters), and the filter and cursor in its list.
struct Picker {
  bool open = false;
  bool appearing = false;
  ImGuiID key = 0;
  std::string text;
  bool typed = false;
  ImVec2 at;
  std::string filter;
  int cursor = 0;
  std::vector<RefChoice> choices;
};
Picker picker;
const std::vector<RefChoice>* ref_choices = nullptr;
// A value the picker made for field `pending_key`, committed by the field
// the next time it is drawn.
ImGuiID pending_key = 0;
std::string pending_text;

std::map<std::string, Rect> marks_now;
std::map<std::string, Rect> marks_last;

// Runs `input` on the buffer that belongs to field `id` and tracks the edit.
bool EndsWithOpener(const std::string& text) {
  return text.size() >= 3 && text.compare(text.size() - 3, 3, "${{") == 0;
}

void OpenPicker(ImGuiID key, const std::string& text, bool typed) {
  if (ref_choices == nullptr) return;
  picker = Picker();
  picker.open = true;
  picker.appearing = true;
  picker.key = key;
  picker.text = text;
  picker.typed = typed;
  picker.at = ImVec2(ImGui::GetItemRectMin().x, ImGui::GetItemRectMax().y + 2);
  picker.choices = *ref_choices;
}

template <typename Input>
bool Edit(const char* id, const std::string& value, std::string* out, bool refs, Input input) {
  const ImGuiID key = ImGui::GetID(id);
  std::string* buffer = &editing_text;
  if (editing_id != key) {
    scratch = value;
    buffer = &scratch;
  }
  const size_t typed_before = buffer->size();
  input(buffer);
  if (pending_key == key) {
    // The field takes the picked value as it stands: whatever took the
    // keyboard back to it since (Enter reaching it) is dropped.
    pending_key = 0;
    if (ImGui::GetActiveID() == key) ImGui::ClearActiveID();
    if (editing_id == key) editing_id = 0;
    if (pending_text != value) {
      *out = pending_text;
      committed_id = key;
      return true;
    }
    return false;
  }
  if (ImGui::IsItemActive() && editing_id != key) {
    editing_id = key;
    editing_text = *buffer;
  }
  if (editing_id == key) editing_frame = ImGui::GetFrameCount();
  // Typing `${{` opens the picker; the field waits for its answer.
  if (refs && ImGui::IsItemActive() && buffer->size() > typed_before && EndsWithOpener(*buffer)) {
    OpenPicker(key, *buffer, /*typed=*/true);
  }
  bool committed = false;
  if (ImGui::IsItemDeactivated() && picker.open && picker.key == key) {
    if (editing_id == key) editing_id = 0;
  } else if (ImGui::IsItemDeactivated()) {
    if (ImGui::IsItemDeactivatedAfterEdit() && *buffer != value) {
      *out = *buffer;
      committed = true;
      committed_id = key;
      if (refused_id == key) refused_id = 0;
    }
    if (editing_id == key) editing_id = 0;
  }
  if (refused_id == key) {
    refused_drawn = true;
    ImGui::PushStyleColor(ImGuiCol_Text, ToVec4(color::kError));
    ImGui::TextWrapped("Not applied: %s", refused_why.c_str());
    ImGui::PopStyleColor();
  }
  return committed;
}

}  // namespace

bool Text(const char* id, const std::string& value, std::string* out, const char* hint,
          float width) {
  return Edit(id, value, out, /*refs=*/false, [&](std::string* buffer) {
    ImGui::SetNextItemWidth(width);
    ImGui::InputTextWithHint(id, hint, buffer);
  });
}

bool MultilineText(const char* id, const std::string& value, std::string* out, float lines) {
  return Edit(id, value, out, /*refs=*/false, [&](std::string* buffer) {
    const ImVec2 size(-FLT_MIN,
                      ImGui::GetTextLineHeight() * lines + 2 * ImGui::GetStyle().FramePadding.y);
    ImGui::InputTextMultiline(id, buffer, size);
  });
}

void SetRefChoices(const std::vector<RefChoice>* choices) { ref_choices = choices; }

bool TextWithRefs(const char* id, const std::string& value, std::string* out, const char* hint,
                  const std::string& mark, bool multiline) {
  const float side = ImGui::GetFrameHeight();
  bool open = false;
  if (ref_choices != nullptr) {
    ImGui::PushID(id);
    open = ImGui::Button("$", ImVec2(side, side));
    ImGui::PopID();
    Mark(mark);
    Tooltip(
        "Insert a reference: an upstream step's output, a param, a secret or run.id "
        "(or type ${{ in the field)");
    ImGui::SameLine(0, 4);
  }
  const bool committed = Edit(id, value, out, /*refs=*/true, [&](std::string* buffer) {
    if (multiline) {
      const ImVec2 size(-FLT_MIN,
                        ImGui::GetTextLineHeight() * 5 + 2 * ImGui::GetStyle().FramePadding.y);
      ImGui::InputTextMultiline(id, buffer, size);
    } else {
      ImGui::SetNextItemWidth(-FLT_MIN);
      ImGui::InputTextWithHint(id, hint, buffer);
    }
  });
  if (open) OpenPicker(ImGui::GetID(id), value, /*typed=*/false);
  return committed;
}

namespace {

// The field's new text once `expr` is picked: typed `${{` becomes the
// whole reference; from the button, the reference replaces an empty value
// or one that is a single reference, else it is appended.
std::string WithReference(const std::string& expr) {
  const std::string ref = "${{ " + expr + " }}";
  const std::string& text = picker.text;
  if (picker.typed) return text.substr(0, text.size() - 3) + ref;
  const bool whole = text.rfind("${{", 0) == 0 && text.find("}}") == text.size() - 2;
  if (text.empty() || whole) return ref;
  return text + (text.back() == ' ' ? "" : " ") + ref;
}

bool Matches(const RefChoice& choice, const std::string& filter) {
  if (filter.empty()) return true;
  std::string hay = choice.expr + " " + choice.detail;
  for (char& c : hay) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t at = 0;
  std::string word;
  for (size_t i = 0; i <= filter.size(); ++i) {
    if (i < filter.size() && filter[i] != ' ') {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(filter[i])));
      continue;
    }
    if (!word.empty() && hay.find(word, at) == std::string::npos) return false;
    word.clear();
  }
  return true;
}

void Close(bool keep_typed) {
  // Closed without a pick: what was typed is kept, never lost.
  if (keep_typed && picker.typed) {
    pending_key = picker.key;
    pending_text = picker.text;
  }
  picker.open = false;
}

}  // namespace

std::string DrawRefPicker() {
  if (!picker.open) return "";
  std::vector<int> shown;
  for (size_t i = 0; i < picker.choices.size(); ++i) {
    if (Matches(picker.choices[i], picker.filter)) shown.push_back(static_cast<int>(i));
  }
  const ImGuiIO& io = ImGui::GetIO();
  const float width = std::min(420.0f, io.DisplaySize.x - 20);
  ImVec2 at = picker.at;
  at.x = std::max(10.0f, std::min(at.x, io.DisplaySize.x - width - 10));
  ImGui::SetNextWindowPos(at);
  ImGui::SetNextWindowSize(ImVec2(width, 0));
  if (picker.appearing) ImGui::SetNextWindowFocus();
  std::string note;
  const ImGuiWindowFlags flags = ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoResize |
                                 ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                                 ImGuiWindowFlags_AlwaysAutoResize;
  ImGui::Begin("##reference-picker", nullptr, flags);
  ImGui::TextDisabled("Insert a reference  (Up/Down, Enter; Esc closes)");
  if (picker.appearing) ImGui::SetKeyboardFocusHere();
  ImGui::SetNextItemWidth(-FLT_MIN);
  ImGui::InputTextWithHint("##filter", "filter: step, output, param...", &picker.filter);
  Mark("picker/filter");
  if (ImGui::IsItemEdited()) picker.cursor = 0;
  const int n = static_cast<int>(shown.size());
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_DownArrow))) {
    picker.cursor = n == 0 ? 0 : (picker.cursor + 1) % n;
  }
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_UpArrow))) {
    picker.cursor = n == 0 ? 0 : (picker.cursor + n - 1) % n;
  }
  picker.cursor = std::min(picker.cursor, std::max(0, n - 1));
  int chosen = -1;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Enter)) && n > 0)
    chosen = shown[picker.cursor];
  const float line = ImGui::GetTextLineHeightWithSpacing();
  ImGui::BeginChild("##choices", ImVec2(0, std::min(10, std::max(1, n)) * line * 2 + 4));
  if (n == 0) ImGui::TextDisabled("Nothing matches.");
  for (int k = 0; k < n; ++k) {
    const RefChoice& choice = picker.choices[shown[k]];
    ImGui::PushID(k);
    const ImVec2 top = ImGui::GetCursorScreenPos();
    if (ImGui::Selectable("##choice", k == picker.cursor, 0, ImVec2(0, 2 * line - 4))) {
      chosen = shown[k];
    }
    Mark("picker/item/" + choice.expr);
    if (k == picker.cursor && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_DownArrow))) {
      ImGui::SetScrollHereY();
    }
    ImDrawList* draw = ImGui::GetWindowDrawList();
    if (choice.color != 0) {
      draw->AddRectFilled(ImVec2(top.x, top.y + 3), ImVec2(top.x + 4, top.y + 2 * line - 7),
                          choice.color);
    }
    draw->AddText(ImVec2(top.x + 10, top.y), color::kText, choice.expr.c_str());
    std::string detail = choice.detail;
    if (choice.adds_edge) detail = "not upstream yet: adds the edge. " + detail;
    draw->PushClipRect(top, ImVec2(top.x + width - 30, top.y + 2 * line), true);
    draw->AddText(ImVec2(top.x + 10, top.y + line - 2), color::kTextDim, detail.c_str());
    draw->PopClipRect();
    ImGui::PopID();
  }
  ImGui::EndChild();
  const bool focused = ImGui::IsWindowFocused(ImGuiFocusedFlags_RootAndChildWindows);
  ImGui::End();
  if (chosen >= 0) {
    const RefChoice& choice = picker.choices[chosen];
    pending_key = picker.key;
    pending_text = WithReference(choice.expr);
    if (choice.adds_edge) note = choice.from_step;
    Close(/*keep_typed=*/false);
  } else if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape)) ||
             (!picker.appearing && !focused)) {
    Close(/*keep_typed=*/true);
  }
  picker.appearing = false;
  return note;
}

// A click elsewhere makes another item active before the field is drawn
// again, so the field counts as editing until it has seen itself lose the
// keyboard (or was not drawn for a frame).
bool Editing() { return editing_id != 0 && editing_frame >= ImGui::GetFrameCount() - 1; }

std::string SelectedText() {
  const ImGuiInputTextState* state = ImGui::GetInputTextState(ImGui::GetActiveID());
  if (state == nullptr || !state->HasSelection()) return "";
  const int begin = std::min(state->Stb.select_start, state->Stb.select_end);
  const int end = std::max(state->Stb.select_start, state->Stb.select_end);
  std::string text(static_cast<size_t>(end - begin) * 4 + 1, '\0');
  const int n = ImTextStrToUtf8(text.data(), static_cast<int>(text.size()),
                                state->TextW.Data + begin, state->TextW.Data + end);
  text.resize(static_cast<size_t>(n));
  return text;
}

void Refuse(const std::string& why) {
  if (committed_id == 0) return;
  refused_id = committed_id;
  refused_why = why;
  refused_drawn = true;
  committed_id = 0;
}

std::string Refusal() { return refused_id != 0 ? refused_why : std::string(); }

bool SmallButton(const char* id, const char* label, const char* tooltip) {
  ImGui::PushID(id);
  const float side = ImGui::GetFrameHeight();
  const bool pressed = ImGui::Button(label, ImVec2(side, side));
  ImGui::PopID();
  if (tooltip != nullptr && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tooltip);
  return pressed;
}

void Tooltip(const std::string& text) {
  if (text.empty() || !ImGui::IsItemHovered()) return;
  ImGui::BeginTooltip();
  ImGui::PushTextWrapPos(ImGui::GetFontSize() * 26.0f);
  ImGui::TextUnformatted(text.c_str());
  ImGui::PopTextWrapPos();
  ImGui::EndTooltip();
}

void Mark(const std::string& name) {
  marks_now[name] = Rect{ImGui::GetItemRectMin(), ImGui::GetItemRectMax()};
}

const std::map<std::string, Rect>& Marks() { return marks_last; }

void BeginFrame() {
  committed_id = 0;
  if (!refused_drawn) refused_id = 0;
  refused_drawn = false;
  marks_last.swap(marks_now);
  marks_now.clear();
}

}  // namespace tame::designer::fields
