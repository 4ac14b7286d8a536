// Inspector widgets that report an edit once the user is done with it
// (Enter, Tab, or a click elsewhere), so that typing a word is one history
// entry and not one per letter. The text being typed is the only state they
// keep; what they show otherwise comes from the document every frame.
#ifndef TAME_DESIGNER_WASM_FIELDS_H_
#define TAME_DESIGNER_WASM_FIELDS_H_

#include <cfloat>
#include <map>
#include <string>
#include <vector>

#include "imgui.h"

namespace tame::designer::fields {

/// A text field showing `value` (or `hint` while empty), `width` wide (the
/// rest of the line by default). Returns true with `*out` set when the user
/// committed a change.
bool Text(const char* id, const std::string& value, std::string* out, const char* hint = "",
          float width = -FLT_MIN);

/// The same for several lines; Enter starts a new line, Ctrl+Enter commits.
bool MultilineText(const char* id, const std::string& value, std::string* out, float lines);

/// Whether a text field has the keyboard with text not yet committed. While
/// one does, a click elsewhere first ends that edit (the field commits it in
/// the frame of the click) and selection changes wait a frame, so the
/// inspector still draws the field that commits.
bool Editing();

/// The selected text of the field that has the keyboard, for Ctrl+C and
/// Ctrl+X; "" when no field has it or nothing is selected.
std::string SelectedText();

/// Says why the edit a field committed in this frame was refused; the field
/// shows it below itself until its next commit or until it is not drawn.
void Refuse(const std::string& why);

/// The refusal a field shows, or "" when none does.
std::string Refusal();

// ---- References by picking

/// Something a field may reference: `expr` is what goes between `${{` and
/// `}}` ("steps.train.outputs.metrics", "params.image", "run.id").
struct RefChoice {
  std::string expr;
  std::string detail;      // the output's or param's doc
  ImU32 color = 0;         // the source step's colour; 0 for params, secrets, run.id
  bool adds_edge = false;  // a step that is not upstream yet: the reference adds the edge
  std::string from_step;   // the step whose output it is
};

/// What the fields drawn next may reference (the selected step's upstream
/// outputs, params, secrets, run.id); null for none. The list must live
/// until the frame ends.
void SetRefChoices(const std::vector<RefChoice>* choices);

/// A text field with a button before it that opens the reference picker;
/// typing `${{` in it opens the picker too. While the user does not edit
/// it, each reference shows as a chip in its source's colour (a step
/// output in the colour of the step's kind) with its doc on hover; a click
/// on a chip selects it (Backspace or Delete removes it as one edit, Enter
/// or a double click picks another in its place), a click on the text or
/// Tab edits the raw text. `mark` names the button for the page's test
/// API. Returns as Text() does.
bool TextWithRefs(const char* id, const std::string& value, std::string* out, const char* hint,
                  const std::string& mark, bool multiline = false);

/// The same without the button, `width` wide (the rest of the line by
/// default), for list items and map values: references show as chips,
/// typing `${{` opens the picker. `mark` names the field's chips.
bool TextWithChips(const char* id, const std::string& value, std::string* out, const char* hint,
                   float width, const std::string& mark);

/// A secret-reference field: the secret as a chip, or a button while none
/// is set. A click (or Enter on the chip) opens the reference picker over
/// `secrets`, which ends with "declare a new secret" (named by what the
/// user typed in the filter). Returns true with `*out` set when the user
/// picked or removed one; `*declare` is then a secret to declare before
/// using `*out`. Sets `*ask_name` (returning false) when the user chose to
/// declare one without typing a name. `mark` names the chip for Chips().
bool SecretField(const char* id, const std::string& value, std::string* out,
                 const std::vector<RefChoice>& secrets, const std::string& mark,
                 std::string* declare, bool* ask_name);

/// Whether a chip is selected: it has the keyboard as a field being typed
/// in has it, so the canvas's shortcuts wait.
bool ChipSelected();
/// Unselects the selected chip.
void LetGoOfChip();

/// Draws the open reference picker: a filter, the choices that match it,
/// Up/Down to move, Enter or a click to insert, Escape to close. Call once
/// a frame after the panels. Returns the step whose output was picked when
/// the reference adds an edge from it ("" otherwise).
std::string DrawRefPicker();

/// A small square button with `label`, such as "x" to remove a row.
bool SmallButton(const char* id, const char* label, const char* tooltip);

/// Shows `text` as a wrapped tooltip when the last item is hovered.
void Tooltip(const std::string& text);

/// Remembers the last item's screen rectangle as `name`, for the page's
/// test API (window.tame.widgetRect).
void Mark(const std::string& name);

struct Rect {
  ImVec2 min;
  ImVec2 max;
};
/// Remembers the screen rectangle [min, max] as `name`, as Mark() does.
void MarkRect(const std::string& name, ImVec2 min, ImVec2 max);
/// What Mark() recorded during the last frame.
const std::map<std::string, Rect>& Marks();

/// A reference chip drawn in the last frame: the field's mark, what it
/// refers to ("steps.train.outputs.metrics"), its fill colour, place and doc.
struct Chip {
  std::string mark;
  std::string expr;
  ImU32 color = 0;
  Rect rect;
  bool selected = false;
  std::string doc;  // what hovering it shows: the output's doc from the catalog
};
/// The chips drawn during the last frame, for the page's test API.
const std::vector<Chip>& Chips();
/// Starts a frame's marks; call before drawing the panels.
void BeginFrame();

}  // namespace tame::designer::fields

#endif  // TAME_DESIGNER_WASM_FIELDS_H_
