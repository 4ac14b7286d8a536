# Third-party libraries, from Debian packages.
#
# Natively they are found with find_package. Under Emscripten the host's
# /usr/include must not be on the include path (its libc headers would shadow
# Emscripten's), so header-only libraries are copied into the build tree and
# GoogleTest is compiled from the sources Debian ships in /usr/src/googletest.

if(NOT EMSCRIPTEN)
  find_package(nlohmann_json 3.11 REQUIRED)
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
