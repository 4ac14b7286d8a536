# Third-party libraries, from Debian packages.
#
# Natively they are found with find_package. Under Emscripten the host's
# /usr/include must not be on the include path (its libc headers would shadow
# Emscripten's), so header-only libraries are copied into the build tree,
# GoogleTest is compiled from the sources Debian ships in /usr/src/googletest,
# and yaml-cpp from its Debian source package, fetched by scripts/setup.sh.

if(NOT EMSCRIPTEN)
  find_package(nlohmann_json 3.11 REQUIRED)
  find_package(yaml-cpp 0.7 REQUIRED)  # target yaml-cpp
  # libyaml's parser reads YAML for tame import: it returns errors as values.
  find_path(TAME_LIBYAML_INCLUDE yaml.h REQUIRED)
  find_library(TAME_LIBYAML_LIBRARY yaml REQUIRED)
  add_library(tame_libyaml INTERFACE)
  target_include_directories(tame_libyaml SYSTEM INTERFACE "${TAME_LIBYAML_INCLUDE}")
  target_link_libraries(tame_libyaml INTERFACE "${TAME_LIBYAML_LIBRARY}")
  if(TAME_BUILD_TESTS)
    find_package(GTest REQUIRED)
  endif()
  return()
endif()

set(_tame_sysdeps "${CMAKE_BINARY_DIR}/sysdeps/include")
if(NOT EXISTS "${_tame_sysdeps}/nlohmann/json.hpp")
  file(COPY /usr/include/nlohmann DESTINATION "${_tame_sysdeps}")
endif()
add_library(nlohmann_json INTERFACE)
target_include_directories(nlohmann_json SYSTEM INTERFACE "${_tame_sysdeps}")
add_library(nlohmann_json::nlohmann_json ALIAS nlohmann_json)

# yaml-cpp from Debian's source package (scripts/setup.sh fetches it; the
# binary package has no wasm build), as a static library of the same name as
# the native target. Core only emits YAML, and the emitter never throws, so
# it builds without C++ exceptions like the rest (a throw elsewhere in
# yaml-cpp would abort). Not our code: no warning flags.
set(_yaml_cpp "${TAME_THIRD_PARTY_DIR}/yaml-cpp")
if(NOT EXISTS "${_yaml_cpp}/src/emitter.cpp")
  message(FATAL_ERROR "yaml-cpp sources are missing from ${_yaml_cpp}; "
                      "run scripts/setup.sh to fetch them.")
endif()
file(GLOB _yaml_cpp_sources "${_yaml_cpp}/src/*.cpp")
add_library(yaml-cpp STATIC ${_yaml_cpp_sources})
target_include_directories(yaml-cpp SYSTEM PUBLIC "${_yaml_cpp}/include"
                           PRIVATE "${_yaml_cpp}/src")
target_compile_definitions(yaml-cpp PRIVATE YAML_CPP_NO_CONTRIB)

# libyaml from Debian's source package (scripts/setup.sh fetches it): plain C
# that reports errors as values, so the reader works without C++ exceptions.
# The linker drops what the parser does not use. Not our code: no warning flags.
enable_language(C)
set(_libyaml "${TAME_THIRD_PARTY_DIR}/libyaml")
if(NOT EXISTS "${_libyaml}/src/parser.c")
  message(FATAL_ERROR "libyaml sources are missing from ${_libyaml}; "
                      "run scripts/setup.sh to fetch them.")
endif()
file(GLOB _libyaml_sources "${_libyaml}/src/*.c")
add_library(tame_libyaml STATIC ${_libyaml_sources})
target_include_directories(tame_libyaml SYSTEM PUBLIC "${_libyaml}/include")
target_compile_definitions(tame_libyaml PRIVATE YAML_DECLARE_STATIC YAML_VERSION_MAJOR=0
                           YAML_VERSION_MINOR=2 YAML_VERSION_PATCH=5
                           YAML_VERSION_STRING="0.2.5")
target_compile_definitions(tame_libyaml PUBLIC YAML_DECLARE_STATIC)

if(TAME_BUILD_TESTS)
  set(_gtest_src /usr/src/googletest/googletest)
  add_library(tame_gtest STATIC "${_gtest_src}/src/gtest-all.cc")
  target_include_directories(tame_gtest SYSTEM PUBLIC "${_gtest_src}/include"
                             PRIVATE "${_gtest_src}")
  add_library(tame_gtest_main STATIC "${_gtest_src}/src/gtest_main.cc")
  target_link_libraries(tame_gtest_main PUBLIC tame_gtest)
  add_library(GTest::gtest ALIAS tame_gtest)
  add_library(GTest::gtest_main ALIAS tame_gtest_main)
endif()
