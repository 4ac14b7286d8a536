# `make package`: build/tame_VERSION_ARCH.deb with CPack. The package holds
# the CLI, the designer's static site (built by the wasm build into
# TAME_SITE_DIR), the man page tame(1) that `tame __man` makes from the CLI's
# own help, bash completion, and the license files.

set(TAME_SITE_DIR "${PROJECT_SOURCE_DIR}/build/web" CACHE PATH
    "The designer's built site, packaged as /usr/share/tame/designer")

install(TARGETS tame RUNTIME DESTINATION bin)
install(DIRECTORY "${TAME_SITE_DIR}/" DESTINATION share/tame/designer
        FILES_MATCHING PATTERN "*.html" PATTERN "*.js" PATTERN "*.css" PATTERN "*.wasm")

set(_man "${CMAKE_CURRENT_BINARY_DIR}/tame.1.gz")
add_custom_command(
  OUTPUT "${_man}"
  COMMAND sh -c "\"$1\" __man | gzip -9n > \"$2\"" sh $<TARGET_FILE:tame> "${_man}"
  DEPENDS tame
  COMMENT "Writing the man page tame(1)"
  VERBATIM)
add_custom_target(tame_man ALL DEPENDS "${_man}")
install(FILES "${_man}" DESTINATION share/man/man1)
install(FILES "${PROJECT_SOURCE_DIR}/packaging/tame.bash-completion"
        DESTINATION share/bash-completion/completions RENAME tame)
install(FILES "${PROJECT_SOURCE_DIR}/packaging/copyright" "${PROJECT_SOURCE_DIR}/LICENSE"
        DESTINATION share/doc/tame)
# The model repository the README's tutorial deploys, for a first try.
install(DIRECTORY "${PROJECT_SOURCE_DIR}/examples/iris-service"
        DESTINATION share/doc/tame/examples USE_SOURCE_PERMISSIONS)
install(FILES "${TAME_THIRD_PARTY_DIR}/imgui/LICENSE.txt"
        DESTINATION share/doc/tame/licenses RENAME dear-imgui.txt OPTIONAL)
install(FILES "${TAME_THIRD_PARTY_DIR}/yaml-cpp/LICENSE"
        DESTINATION share/doc/tame/licenses RENAME yaml-cpp.txt OPTIONAL)
install(FILES "${TAME_THIRD_PARTY_DIR}/libyaml/License"
        DESTINATION share/doc/tame/licenses RENAME libyaml.txt OPTIONAL)

execute_process(COMMAND dpkg --print-architecture OUTPUT_VARIABLE _arch
                OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT _arch)
  set(_arch amd64)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tame)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "the tame authors")
set(CPACK_PACKAGE_CONTACT "the tame authors <tame@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "design, run and export ML delivery pipelines")
set(CPACK_PACKAGE_DESCRIPTION
    "tame runs the delivery pipeline of a model (check out, train, gate on its metrics, sign off, \
build and push an image, roll it out on Kubernetes) from one JSON file, drawn in the tame \
designer: a static site that 'tame designer' serves on 127.0.0.1. The same file exports to Argo \
Workflows, Tekton and GitHub Actions.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME "tame_${PROJECT_VERSION}_${_arch}.deb")
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE "${_arch}")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps finds the libraries the binary links; libcurl is opened with
# dlopen() when a step first makes a request, so it is named here, as is git.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libcurl4, git")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "docker.io, openssh-client")
set(CPACK_STRIP_FILES ON)
set(CPACK_SOURCE_IGNORE_FILES "/build/;/node_modules/;/third_party/;/.git/")
include(CPack)
