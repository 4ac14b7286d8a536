#include "designer-wasm/fields.h"

#include <algorithm>
#include <cctype>

#include "core/expression.h"
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
// A chip the user clicked replaces [replace_begin, replace_end) of the text;
// a secret field's picker replaces the whole value and ends with "declare
// a new secret".
struct Picker {
  bool open = false;
  bool appearing = false;
  ImGuiID key = 0;
  std::string text;
  bool typed = false;
  size_t replace_begin = std::string::npos;
  size_t replace_end = std::string::npos;
  bool secrets = false;
  ImVec2 at;
  std::string filter;
  int cursor = 0;
  std::vector<RefChoice> choices;
};
Picker picker;
const std::vector<RefChoice>* ref_choices = nullptr;
// A value the picker made for field `pending_key`, committed by the field
// the next time it is drawn; for a secret field, the secret to declare
// first (or, with pending_ask, that the user wants to name one).
ImGuiID pending_key = 0;
std::string pending_text;
std::string pending_declare;
bool pending_ask = false;

// The field shown as raw text although it holds references (the user
// clicked its text or tabbed into it), and since which frame.
ImGuiID raw_key = 0;
int raw_frame = 0;
bool raw_focus = false;
bool raw_fresh = false;  // asked for the keyboard, and not had it yet

// The chip the user clicked: Backspace or Delete removes it, Enter or a
// double click picks another reference in its place, Escape lets go.
ImGuiID chip_key = 0;
int chip_index = -1;
int chip_frame = 0;

std::vector<Chip> chips_now;
std::vector<Chip> chips_last;

std::map<std::string, Rect> marks_now;
std::map<std::string, Rect> marks_last;

// Runs `input` on the buffer that belongs to field `id` and tracks the edit.
bool EndsWithOpener(const std::string& text) {
  return text.size() >= 3 && text.compare(text.size() - 3, 3, "${{") == 0;
}

void OpenPicker(ImGuiID key, const std::string& text, bool typed,
                const std::vector<RefChoice>* choices = ref_choices) {
  if (choices == nullptr) return;
  picker = Picker();
  picker.open = true;
  picker.appearing = true;
  picker.key = key;
  picker.text = text;
  picker.typed = typed;
  picker.at = ImVec2(ImGui::GetItemRectMin().x, ImGui::GetItemRectMax().y + 2);
  picker.choices = *choices;
  chip_key = 0;
}

// Commits the picker's answer for field `key` when there is one: true with
// `*out` set when it changes `value`.
bool TakePending(ImGuiID key, const std::string& value, std::string* out) {
  if (pending_key != key) return false;
  pending_key = 0;
  if (ImGui::GetActiveID() == key) ImGui::ClearActiveID();
  if (editing_id == key) editing_id = 0;
  if (raw_key == key) raw_key = 0;
  if (pending_text == value) return false;
  *out = pending_text;
  committed_id = key;
  return true;
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
  // The field takes the picked value as it stands: whatever took the
  // keyboard back to it since (Enter reaching it) is dropped.
  if (pending_key == key) return TakePending(key, value, out);
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
    if (raw_key == key) raw_key = 0;
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

namespace {

// A reference's chip: its label, and its colour from what the field may
// reference (the source step's kind colour for an output), or the error
// colour for one that names nothing the step may use.
struct ChipLook {
  std::string label;
  ImU32 color = 0;
  std::string doc;
};

ChipLook LookOf(const Reference& ref, const std::vector<RefChoice>* choices) {
  ChipLook look;
  const std::string expr = ref.Text();
  switch (ref.kind) {
    case RefKind::kStepOutput:
      look.label = ref.step + "." + ref.name;
      break;
    case RefKind::kParam:
      look.label = "params." + ref.name;
      look.color = color::kAccent;
      break;
    case RefKind::kSecret:
      look.label = "secrets." + ref.name;
      look.color = color::kWarning;
      break;
    case RefKind::kRunId:
      look.label = "run.id";
      look.color = color::kTextDim;
      break;
  }
  const RefChoice* found = nullptr;
  if (choices != nullptr) {
    for (const RefChoice& choice : *choices) {
      if (choice.expr == expr) found = &choice;
    }
  }
  if (found == nullptr) {
    look.color = color::kError;
    look.doc = "Nothing this step may reference is called " + expr + ".";
  } else {
    if (found->color != 0) look.color = found->color;
    look.doc = found->detail;
    if (found->adds_edge) look.doc += "\nNot upstream yet: the reference adds the edge.";
  }
  return look;
}

// Black or white, whichever reads better on `background`.
ImU32 TextOn(ImU32 background) {
  const ImVec4 c = ImGui::ColorConvertU32ToFloat4(background);
  const float luma = 0.299f * c.x + 0.587f * c.y + 0.114f * c.z;
  return luma > 0.55f ? IM_COL32(16, 16, 20, 255) : IM_COL32(250, 250, 252, 255);
}

// What the user did to a field shown with chips.
struct ChipAction {
  enum Kind { kNone, kSelect, kRaw, kRemove, kReplace } kind = kNone;
  int chip = -1;
};

// Draws `text` as plain text and chips, one line (clipped) or `lines` lines
// that wrap, in a frame like an input field's. The reference at `refs[i]`
// is chip i. A click on a chip selects it; a click on the text (or Tab)
// asks for the raw text.
ChipAction DrawChips(ImGuiID key, const std::string& text, const std::vector<Reference>& refs,
                     int lines, const std::string& mark, const std::vector<RefChoice>* choices,
                     const char* hint, float width = -FLT_MIN) {
  ChipAction action;
  ImGuiContext& g = *GImGui;
  const ImGuiStyle& style = ImGui::GetStyle();
  const ImVec2 pad = style.FramePadding;
  const float line = ImGui::GetTextLineHeight();
  const ImVec2 at = ImGui::GetCursorScreenPos();
  if (width <= 0) width = ImGui::GetContentRegionAvail().x;
  const float height = lines <= 1 ? ImGui::GetFrameHeight() : line * lines + 2 * pad.y;
  const ImRect bb(at, ImVec2(at.x + width, at.y + height));
  ImGui::ItemSize(bb, pad.y);
  if (!ImGui::ItemAdd(bb, key, nullptr, ImGuiItemFlags_Inputable)) return action;
  const bool tabbed = (g.LastItemData.StatusFlags & ImGuiItemStatusFlags_FocusedByTabbing) != 0;
  bool hovered = false, held = false;
  const bool pressed = ImGui::ButtonBehavior(bb, key, &hovered, &held);
  if (hovered) ImGui::SetMouseCursor(ImGuiMouseCursor_TextInput);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  ImGui::RenderFrame(bb.Min, bb.Max,
                     ImGui::GetColorU32(hovered ? ImGuiCol_FrameBgHovered : ImGuiCol_FrameBg), true,
                     style.FrameRounding);
  const bool selected_here = chip_key == key && chip_frame >= ImGui::GetFrameCount() - 1;
  draw->PushClipRect(bb.Min, bb.Max, true);
  const float left = bb.Min.x + pad.x;
  const float right = bb.Max.x - pad.x;
  ImVec2 pen(left, bb.Min.y + pad.y);
  auto new_line = [&]() {
    pen.x = left;
    pen.y += line + 2;
  };
  auto put_text = [&](const std::string& piece) {
    size_t from = 0;
    while (from < piece.size()) {
      // Words, each with the spaces after it, so lines break between words.
      size_t to = piece.find_first_of(" \n", from);
      to = to == std::string::npos ? piece.size() : piece.find_first_not_of(' ', to);
      to = to == std::string::npos ? piece.size() : to;
      if (piece[from] == '\n') {
        if (lines > 1) new_line();
        ++from;
        continue;
      }
      const size_t newline = piece.find('\n', from);
      if (newline != std::string::npos && newline < to) to = newline;
      const char* begin = piece.c_str() + from;
      const char* end = piece.c_str() + to;
      const float w = ImGui::CalcTextSize(begin, end).x;
      if (lines > 1 && pen.x + w > right && pen.x > left) new_line();
      draw->AddText(pen, color::kText, begin, end);
      pen.x += w;
      from = to;
    }
  };
  int hovered_chip = -1;
  std::string hovered_doc;
  size_t done = 0;
  for (size_t i = 0; i < refs.size(); ++i) {
    put_text(text.substr(done, refs[i].begin - done));
    done = refs[i].end;
    const ChipLook look = LookOf(refs[i], choices);
    const float w = ImGui::CalcTextSize(look.label.c_str()).x + 10;
    if (lines > 1 && pen.x + w > right && pen.x > left) new_line();
    const ImRect chip(ImVec2(pen.x + 1, pen.y - 1), ImVec2(pen.x + w - 1, pen.y + line + 1));
    const bool selected = selected_here && chip_index == static_cast<int>(i);
    draw->AddRectFilled(chip.Min, chip.Max, look.color, 4.0f);
    if (selected) {
      draw->AddRect(ImVec2(chip.Min.x - 2, chip.Min.y - 2), ImVec2(chip.Max.x + 2, chip.Max.y + 2),
                    color::kText, 5.0f, 0, 2.0f);
    }
    draw->AddText(ImVec2(pen.x + 5, pen.y), TextOn(look.color), look.label.c_str());
    chips_now.push_back(
        Chip{mark, refs[i].Text(), look.color, {chip.Min, chip.Max}, selected, look.doc});
    if (hovered && chip.Contains(g.IO.MousePos)) {
      hovered_chip = static_cast<int>(i);
      hovered_doc = look.doc;
    }
    pen.x += w + 1;
  }
  put_text(text.substr(std::min(done, text.size())));
  if (text.empty() && hint != nullptr) draw->AddText(pen, color::kTextDim, hint);
  draw->PopClipRect();

  if (hovered_chip >= 0) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 26.0f);
    ImGui::Text("${{ %s }}", refs[hovered_chip].Text().c_str());
    ImGui::TextUnformatted(hovered_doc.c_str());
    ImGui::TextDisabled(
        "Click to select it: Backspace removes it, Enter picks another. Click the text to "
        "edit it as text.");
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
    Mark("chip/tooltip");
  }
  if (pressed && hovered_chip >= 0) {
    chip_key = key;
    chip_index = hovered_chip;
    chip_frame = ImGui::GetFrameCount();
    g.WantTextInputNextFrame = 1;
    action = {g.IO.MouseDoubleClicked[0] ? ChipAction::kReplace : ChipAction::kSelect,
              hovered_chip};
  } else if (pressed || tabbed) {
    action.kind = ChipAction::kRaw;
    if (chip_key == key) chip_key = 0;
  } else if (selected_here && !picker.open) {
    // The selected chip keeps the keyboard from the canvas's shortcuts
    // (Backspace would delete the step), as a field being typed in does.
    chip_frame = ImGui::GetFrameCount();
    g.WantTextInputNextFrame = 1;
    auto key_pressed = [](ImGuiKey k) { return ImGui::IsKeyPressed(ImGui::GetKeyIndex(k)); };
    if (key_pressed(ImGuiKey_Backspace) || key_pressed(ImGuiKey_Delete)) {
      action = {ChipAction::kRemove, chip_index};
      chip_key = 0;
    } else if (key_pressed(ImGuiKey_Enter) || key_pressed(ImGuiKey_KeyPadEnter)) {
      action = {ChipAction::kReplace, chip_index};
    } else if (key_pressed(ImGuiKey_Escape) || (g.IO.MouseClicked[0] && !hovered)) {
      chip_key = 0;
    }
  }
  if (action.chip >= static_cast<int>(refs.size())) action = ChipAction();
  return action;
}

// `text` without the reference [begin, end), and without a space it leaves
// doubled.
std::string WithoutReference(const std::string& text, size_t begin, size_t end) {
  std::string rest = text.substr(0, begin) + text.substr(end);
  if (begin > 0 && begin < rest.size() && rest[begin - 1] == ' ' && rest[begin] == ' ') {
    rest.erase(begin, 1);
  } else if (begin == 0 && !rest.empty() && rest[0] == ' ') {
    rest.erase(0, 1);
  } else if (begin == rest.size() && begin > 0 && rest[begin - 1] == ' ') {
    rest.pop_back();
  }
  return rest;
}

}  // namespace

namespace {

// A text field that shows references as chips; with `button`, the `$`
// button before it opens the picker.
bool RefsField(const char* id, const std::string& value, std::string* out, const char* hint,
               const std::string& mark, bool multiline, float width, bool button) {
  const float side = ImGui::GetFrameHeight();
  bool open = false;
  if (button && ref_choices != nullptr) {
    ImGui::PushID(id);
    open = ImGui::Button("$", ImVec2(side, side));
    ImGui::PopID();
    Mark(mark);
    Tooltip(
        "Insert a reference: an upstream step's output, a param, a secret or run.id "
        "(or type ${{ in the field)");
    ImGui::SameLine(0, 4);
  }
  const ImGuiID key = ImGui::GetID(id);
  // References show as chips, except while the user edits the raw text.
  std::vector<Reference> refs;
  std::string error;
  const bool raw =
      editing_id == key || raw_key == key || !ParseReferences(value, &refs, &error) || refs.empty();
  if (raw_key == key && !raw_focus && ImGui::GetActiveID() != key &&
      ImGui::GetFrameCount() > raw_frame + 2) {
    raw_key = 0;  // the raw field never got the keyboard
  }
  bool committed = false;
  if (raw) {
    const bool focus = raw_key == key && raw_focus;
    committed = Edit(id, value, out, /*refs=*/true, [&](std::string* buffer) {
      if (focus) ImGui::SetKeyboardFocusHere();
      if (multiline) {
        const ImVec2 size(-FLT_MIN,
                          ImGui::GetTextLineHeight() * 5 + 2 * ImGui::GetStyle().FramePadding.y);
        ImGui::InputTextMultiline(id, buffer, size);
      } else {
        ImGui::SetNextItemWidth(width);
        ImGui::InputTextWithHint(id, hint, buffer);
      }
    });
    if (focus) {
      raw_focus = false;
      raw_fresh = true;
      raw_frame = ImGui::GetFrameCount();
    } else if (raw_key == key && raw_fresh && ImGui::GetActiveID() == key) {
      // Focusing selects the whole text; the cursor goes to its end instead.
      raw_fresh = false;
      if (ImGuiInputTextState* state = ImGui::GetInputTextState(key)) {
        state->Stb.cursor = state->Stb.select_start = state->Stb.select_end = state->CurLenW;
      }
    }
  } else {
    const ChipAction action =
        DrawChips(key, value, refs, multiline ? 5 : 1, mark, ref_choices, hint, width);
    if (pending_key == key) {
      committed = TakePending(key, value, out);
    } else if (action.kind == ChipAction::kRaw) {
      raw_key = key;
      raw_focus = true;
    } else if (action.kind == ChipAction::kRemove) {
      const Reference& ref = refs[action.chip];
      *out = WithoutReference(value, ref.begin, ref.end);
      committed_id = key;
      committed = true;
    } else if (action.kind == ChipAction::kReplace) {
      OpenPicker(key, value, /*typed=*/false);
      picker.replace_begin = refs[action.chip].begin;
      picker.replace_end = refs[action.chip].end;
    }
    if (refused_id == key) {
      refused_drawn = true;
      ImGui::PushStyleColor(ImGuiCol_Text, ToVec4(color::kError));
      ImGui::TextWrapped("Not applied: %s", refused_why.c_str());
      ImGui::PopStyleColor();
    }
  }
  if (open) OpenPicker(key, value, /*typed=*/false);
  return committed;
}

}  // namespace

bool TextWithRefs(const char* id, const std::string& value, std::string* out, const char* hint,
                  const std::string& mark, bool multiline) {
  return RefsField(id, value, out, hint, mark, multiline, -FLT_MIN, /*button=*/true);
}

bool TextWithChips(const char* id, const std::string& value, std::string* out, const char* hint,
                   float width, const std::string& mark) {
  return RefsField(id, value, out, hint, mark, /*multiline=*/false, width, /*button=*/false);
}

bool SecretField(const char* id, const std::string& value, std::string* out,
                 const std::vector<RefChoice>& secrets, const std::string& mark,
                 std::string* declare, bool* ask_name) {
  const ImGuiID key = ImGui::GetID(id);
  std::vector<Reference> refs;
  std::string error;
  const bool parsed = ParseReferences(value, &refs, &error);
  bool committed = false;
  if (parsed && !value.empty()) {
    const ChipAction action = DrawChips(key, value, refs, 1, mark, &secrets, "");
    if (action.kind == ChipAction::kRemove) {
      *out = WithoutReference(value, refs[action.chip].begin, refs[action.chip].end);
      committed_id = key;
      committed = true;
    } else if (action.kind != ChipAction::kNone) {
      OpenPicker(key, value, /*typed=*/false, &secrets);
    }
  } else {
    // Nothing set, or text that is no reference: a button that opens the
    // picker, showing what is there.
    const std::string label =
        (value.empty() ? std::string("(none): pick or declare a secret") : value) + "##" + id;
    ImGui::PushStyleVar(ImGuiStyleVar_ButtonTextAlign, ImVec2(0, 0.5f));
    if (ImGui::Button(label.c_str(), ImVec2(-FLT_MIN, 0))) {
      OpenPicker(key, value, /*typed=*/false, &secrets);
    }
    ImGui::PopStyleVar();
  }
  if (picker.open && picker.key == key && picker.appearing) {
    picker.secrets = true;
    picker.replace_begin = 0;
    picker.replace_end = value.size();
  }
  if (pending_key == key) {
    *declare = pending_declare;
    *ask_name = pending_ask;
    pending_declare.clear();
    pending_ask = false;
    if (*ask_name) {
      pending_key = 0;
      return false;
    }
    committed = TakePending(key, value, out) || !declare->empty();
    if (!declare->empty()) *out = pending_text;
  }
  return committed;
}

namespace {

// The field's new text once `expr` is picked: typed `${{` becomes the
// whole reference; from the button, the reference replaces an empty value
// or one that is a single reference, else it is appended.
std::string WithReference(const std::string& expr) {
  const std::string ref = expr.empty() ? "" : "${{ " + expr + " }}";
  const std::string& text = picker.text;
  if (picker.typed) return text.substr(0, text.size() - 3) + ref;
  if (picker.replace_begin <= picker.replace_end && picker.replace_end <= text.size()) {
    return text.substr(0, picker.replace_begin) + ref + text.substr(picker.replace_end);
  }
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

// The secret name the picker's filter spells, for "declare a new secret":
// upper case, other characters as '_'; "" when it cannot be a name.
std::string SecretName(const std::string& filter) {
  std::string name;
  for (char c : filter) {
    const unsigned char u = static_cast<unsigned char>(c);
    name += std::isalnum(u) || c == '-' ? static_cast<char>(std::toupper(u)) : '_';
  }
  while (!name.empty() && name.back() == '_') name.pop_back();
  return IsValidName(name) ? name : "";
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
  ImGui::TextDisabled(picker.secrets ? "Pick a secret  (Up/Down, Enter; Esc closes)"
                                     : "Insert a reference  (Up/Down, Enter; Esc closes)");
  if (picker.appearing) ImGui::SetKeyboardFocusHere();
  ImGui::SetNextItemWidth(-FLT_MIN);
  ImGui::InputTextWithHint(
      "##filter",
      picker.secrets ? "filter, or a new secret's name" : "filter: step, output, param...",
      &picker.filter);
  Mark("picker/filter");
  if (ImGui::IsItemEdited()) picker.cursor = 0;
  // A secret field's list ends with "declare a new secret", whatever the
  // filter: index n, past the choices.
  const std::string declare_name = picker.secrets ? SecretName(picker.filter) : "";
  const int choices = static_cast<int>(shown.size());
  const int n = choices + (picker.secrets ? 1 : 0);
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_DownArrow))) {
    picker.cursor = n == 0 ? 0 : (picker.cursor + 1) % n;
  }
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_UpArrow))) {
    picker.cursor = n == 0 ? 0 : (picker.cursor + n - 1) % n;
  }
  picker.cursor = std::min(picker.cursor, std::max(0, n - 1));
  int chosen = -1;
  bool declare = false;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Enter)) && n > 0) {
    if (picker.cursor < choices) {
      chosen = shown[picker.cursor];
    } else {
      declare = true;
    }
  }
  const float line = ImGui::GetTextLineHeightWithSpacing();
  ImGui::BeginChild("##choices", ImVec2(0, std::min(10, std::max(1, n)) * line * 2 + 4));
  if (n == 0) ImGui::TextDisabled("Nothing matches.");
  for (int k = 0; k < choices; ++k) {
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
    draw->AddText(ImVec2(top.x + 10, top.y), color::kText,
                  choice.expr.empty() ? "(none)" : choice.expr.c_str());
    std::string detail = choice.detail;
    if (choice.adds_edge) detail = "not upstream yet: adds the edge. " + detail;
    draw->PushClipRect(top, ImVec2(top.x + width - 30, top.y + 2 * line), true);
    draw->AddText(ImVec2(top.x + 10, top.y + line - 2), color::kTextDim, detail.c_str());
    draw->PopClipRect();
    ImGui::PopID();
  }
  if (picker.secrets) {
    const std::string label = declare_name.empty() ? "+ declare a new secret..."
                                                   : "+ declare a new secret " + declare_name;
    if (ImGui::Selectable(label.c_str(), picker.cursor == choices, 0, ImVec2(0, 2 * line - 4))) {
      declare = true;
    }
    Mark("picker/declare");
    if (picker.cursor == choices && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_DownArrow))) {
      ImGui::SetScrollHereY();
    }
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
  } else if (declare) {
    // The field declares the secret, then takes the reference to it; with
    // no name typed yet it asks for one.
    pending_key = picker.key;
    pending_declare = declare_name;
    pending_ask = declare_name.empty();
    pending_text = declare_name.empty() ? "" : WithReference("secrets." + declare_name);
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

bool ChipSelected() { return chip_key != 0 && chip_frame >= ImGui::GetFrameCount() - 1; }

void LetGoOfChip() { chip_key = 0; }

void MarkRect(const std::string& name, ImVec2 min, ImVec2 max) { marks_now[name] = Rect{min, max}; }

const std::map<std::string, Rect>& Marks() { return marks_last; }

const std::vector<Chip>& Chips() { return chips_last; }

void BeginFrame() {
  committed_id = 0;
  if (!refused_drawn) refused_id = 0;
  refused_drawn = false;
  marks_last.swap(marks_now);
  marks_now.clear();
  chips_last.swap(chips_now);
  chips_now.clear();
}

}  // namespace tame::designer::fields
