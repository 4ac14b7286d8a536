// Connecting two steps by keyboard: select a step, press C, pick the step
// that should run after it from a filtered list.
#ifndef TAME_DESIGNER_WASM_CONNECT_PICKER_H_
#define TAME_DESIGNER_WASM_CONNECT_PICKER_H_

#include <string>

#include "designer-wasm/editor.h"

namespace tame::designer {

class ConnectPicker {
 public:
  /// Opens the list for edges from `from`.
  void Open(NodeId from);
  bool is_open() const { return open_; }
  /// Draws the list while open: a filter, the steps that `from` can connect
  /// to (those it would not make a cycle with), Up/Down, Enter or a click
  /// to connect, Escape to close.
  void Draw(Editor& editor);

 private:
  bool open_ = false;
  bool appearing_ = false;
  NodeId from_;
  std::string filter_;
  int cursor_ = 0;
};

}  // namespace tame::designer

#endif  // TAME_DESIGNER_WASM_CONNECT_PICKER_H_
