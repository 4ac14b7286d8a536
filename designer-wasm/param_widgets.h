// The inspector's typed editors: one per catalog param type, and the tables
// of outputs, pipeline params and secrets. Each shows what the document
// holds and returns the new value when the user changed it.
#ifndef TAME_DESIGNER_WASM_PARAM_WIDGETS_H_
#define TAME_DESIGNER_WASM_PARAM_WIDGETS_H_

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/catalog.h"
#include "core/pipeline.h"
#include "designer-wasm/editor.h"

namespace tame::designer {

/// The param's name, starred when required, with its doc, type and default
/// as a tooltip.
void ParamLabel(const ParamSpec& spec);

/// A step's problems in plain words, by the field they are about, as
/// Diagnostic::field names it: "id", "with/run", "with/ingress.host".
using FieldProblems = std::map<std::string, std::vector<std::string>>;

/// Shows the problems about `field` in the error colour and marks them
/// (fields::Mark) as "inspector/error/FIELD". With `nested`, also those
/// about fields inside it ("FIELD.x", "FIELD[0].y") that no nested editor
/// showed beside its own field in this frame (a folded list item, a value
/// of the wrong type).
void FieldErrors(const FieldProblems& problems, const std::string& field, bool nested = false);

/// Where a param's editor sits: `mark` names its widgets for the page's
/// test API, `field` is the Diagnostic field of its value ("with/ingress"),
/// and `problems` (when set) are shown beside the nested fields they name.
struct ParamPlace {
  std::string mark;
  std::string field;
  const FieldProblems* problems = nullptr;
};

/// An editor for a param's value (`value` is null when the step does not
/// set it). Returns the new value, null to remove the param, or nothing.
/// Values of another type than the catalog's are shown as JSON text, so a
/// broken file can still be fixed here. The fields of an object param are
/// marked (fields::Mark) as MARK/FIELD, and list items' as MARK/N/FIELD;
/// their problems show below them.
std::optional<Json> ParamWidget(Editor& editor, const ParamSpec& spec, const Json* value,
                                const ParamPlace& place = {});

/// Rows of output name and file path.
std::optional<std::map<std::string, OutputDecl>> OutputsEditor(
    Editor& editor, const std::map<std::string, OutputDecl>& outputs);

/// Rows of param name, type and default. Returns true when it changed `params`.
bool PipelineParamsEditor(Editor& editor, std::map<std::string, ParamDecl>* params);

/// Rows of secret name and source, and a field to declare another.
bool SecretsEditor(std::map<std::string, SecretDecl>* secrets, char* new_name, size_t size);

}  // namespace tame::designer

#endif  // TAME_DESIGNER_WASM_PARAM_WIDGETS_H_
