// Keys the designer's shortcuts use, as the GLFW key codes that Dear ImGui's
// GLFW backend indexes io.KeysDown by (letters and digits are their ASCII
// capitals). Keys ImGui names itself go through ImGui::GetKeyIndex().
#ifndef TAME_DESIGNER_WASM_KEYS_H_
#define TAME_DESIGNER_WASM_KEYS_H_

namespace tame::designer {

inline constexpr int kKeySpace = 32;
inline constexpr int kKeyMinus = 45;
inline constexpr int kKeySlash = 47;
inline constexpr int kKey0 = 48;
inline constexpr int kKeyEqual = 61;
inline constexpr int kKeyA = 'A';
inline constexpr int kKeyC = 'C';
inline constexpr int kKeyD = 'D';
inline constexpr int kKeyF = 'F';
inline constexpr int kKeyL = 'L';
inline constexpr int kKeyO = 'O';
inline constexpr int kKeyS = 'S';
inline constexpr int kKeyY = 'Y';
inline constexpr int kKeyZ = 'Z';
inline constexpr int kKeyF1 = 290;
inline constexpr int kKeyPadSubtract = 333;
inline constexpr int kKeyPadAdd = 334;

}  // namespace tame::designer

#endif  // TAME_DESIGNER_WASM_KEYS_H_
