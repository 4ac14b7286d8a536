// The designer in the browser: a GLFW window on the page's canvas with a
// WebGL2 context, Dear ImGui drawing into it, and a main loop driven by the
// browser's animation frames. web/glue.js is the page's side of this file.
#include <GLFW/glfw3.h>
#include <emscripten.h>
#include <emscripten/html5.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "core/catalog.h"
#include "designer-wasm/main_window.h"
#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"

namespace {

// ImGui lays a new window out during its first frame; from the second on the
// page shows what stays, so that is when the page is told it is ready.
constexpr int kFramesBeforeReady = 2;

struct App {
  GLFWwindow* window = nullptr;
  tame::designer::ViewState view;
  int frames = 0;
};

// Calls web/glue.js, which hides the loading message and marks the page ready.
EM_JS(void, NotifyReady, (), {
  if (Module.onDesignerReady) Module.onDesignerReady();
});

// Keeps the drawing buffer as large as the canvas is on the page, which CSS
// stretches over the whole window, and tells ImGui. This bypasses
// glfwSetWindowSize, which in Emscripten's GLFW turns a size equal to the
// screen's into a fullscreen request. Returns the buffer's size.
ImVec2 FitToCanvas() {
  double css_width = 0.0;
  double css_height = 0.0;
  emscripten_get_element_css_size("#canvas", &css_width, &css_height);
  const int width = static_cast<int>(css_width);
  const int height = static_cast<int>(css_height);
  int current_width = 0;
  int current_height = 0;
  emscripten_get_canvas_element_size("#canvas", &current_width,
                                     &current_height);
  if (width > 0 && height > 0 &&
      (width != current_width || height != current_height)) {
    emscripten_set_canvas_element_size("#canvas", width, height);
    current_width = width;
    current_height = height;
  }
  const ImVec2 size(static_cast<float>(current_width),
                    static_cast<float>(current_height));
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = size;
  io.DisplayFramebufferScale = ImVec2(1.0f, 1.0f);
  return size;
}

void Frame(void* arg) {
  App& app = *static_cast<App*>(arg);
  glfwPollEvents();

  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  const ImVec2 size = FitToCanvas();  // after the GLFW backend set its size
  ImGui::NewFrame();
  tame::designer::DrawMainWindow(app.view);
  ImGui::Render();

  glViewport(0, 0, static_cast<int>(size.x), static_cast<int>(size.y));
  glClearColor(0.0f, 0.0f, 0.0f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());

  if (++app.frames == kFramesBeforeReady) NotifyReady();
}

}  // namespace

/// The palette as JSON, for the page's test API: an array of
/// {"uses", "title", "category", "color"} in palette order, colour as
/// "#rrggbb". The text lives as long as the program.
extern "C" EMSCRIPTEN_KEEPALIVE const char* tame_palette_json() {
  static const std::string text = [] {
    nlohmann::json kinds = nlohmann::json::array();
    for (const tame::KindSpec& kind : tame::Catalog()) {
      char color[8];
      std::snprintf(color, sizeof color, "#%06x", kind.color & 0xFFFFFFu);
      kinds.push_back({{"uses", kind.uses},
                       {"title", kind.title},
                       {"category", tame::CategoryName(kind.category)},
                       {"color", color}});
    }
    return kinds.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }();
  return text.c_str();
}

int main() {
  if (!glfwInit()) {
    std::fprintf(stderr, "tame designer: GLFW could not start\n");
    return 1;
  }
  glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);

  static App app;
  app.window = glfwCreateWindow(1280, 720, "tame designer", nullptr, nullptr);
  if (app.window == nullptr) {
    std::fprintf(stderr,
                 "tame designer: this browser gave no WebGL2 context\n");
    return 1;
  }
  glfwMakeContextCurrent(app.window);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // the page keeps no files
  tame::designer::ApplyTheme();
  ImGui_ImplGlfw_InitForOpenGL(app.window, true);
  ImGui_ImplOpenGL3_Init("#version 300 es");

  emscripten_set_main_loop_arg(Frame, &app, 0, true);
  return 0;
}
