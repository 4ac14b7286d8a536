// The inspector's typed editors: one per catalog param type, and the tables
// of outputs, pipeline params and secrets. Each shows what the document
// holds and returns the new value when the user changed it.
#ifndef TAME_DESIGNER_WASM_PARAM_WIDGETS_H_
#define TAME_DESIGNER_WASM_PARAM_WIDGETS_H_

#include <cstddef>
#include <map>
#include <optional>

#include "core/catalog.h"
#include "core/pipeline.h"
#include "designer-wasm/editor.h"

namespace tame::designer {

/// The param's name, starred when required, with its doc, type and default
/// as a tooltip.
void ParamLabel(const ParamSpec& spec);

/// An editor for a param's value (`value` is null when the step does not
/// set it). Returns the new value, null to remove the param, or nothing.
/// Values of another type than the catalog's are shown as JSON text, so a
/// broken file can still be fixed here. The fields of an object param are
/// marked (fields::Mark) as `mark`/FIELD, and list items' as `mark`/N/FIELD.
std::optional<Json> ParamWidget(Editor& editor, const ParamSpec& spec, const Json* value,
                                const std::string& mark = "");

/// Rows of output name and file path.
std::optional<std::map<std::string, OutputDecl>> OutputsEditor(
    Editor& editor, const std::map<std::string, OutputDecl>& outputs);

/// Rows of param name, type and default. Returns true when it changed `params`.
bool PipelineParamsEditor(Editor& editor, std::map<std::string, ParamDecl>* params);

/// Rows of secret name and source, and a field to declare another.
bool SecretsEditor(std::map<std::string, SecretDecl>* secrets, char* new_name, size_t size);

}  // namespace tame::designer

#endif  // TAME_DESIGNER_WASM_PARAM_WIDGETS_H_
