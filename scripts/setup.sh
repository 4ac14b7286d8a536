#!/usr/bin/env bash
# Installs what tame needs to build and test on Debian 12, fetches the sources
# of Dear ImGui, yaml-cpp and libyaml into third_party/ (the wasm build compiles them)
# and installs the npm packages of the browser tests. Safe to run again: when everything is in place it does nothing and
# prints nothing. Installing needs root.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  g++ cmake ninja-build git dpkg-dev xz-utils tmux
  emscripten nodejs npm
  nlohmann-json3-dev libboost-dev libboost-filesystem-dev libcurl4-openssl-dev
  libyaml-cpp-dev libyaml-dev libgtest-dev googletest libbenchmark-dev clang-14 libclang-rt-14-dev clang-format-14
  docker.io docker-registry busybox-static openssh-client
  chromium python3-jsonschema python3-yaml time bc rsync
  debootstrap pre-commit tinyproxy microsocks prometheus
)

log() { echo "setup: $*" >&2; }

# Wait for another apt or dpkg run to finish rather than fail.
apt_get() { apt-get -o DPkg::Lock::Timeout=600 "$@"; }

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    log "$1 needs root; run: sudo $0"
    exit 1
  fi
}

apt_updated=
apt_update() {
  if [ -z "$apt_updated" ]; then
    apt_get update -q
    apt_updated=1
  fi
}

# A package counts as present when dpkg has it installed. Node and npm also
# count when their commands exist, since node may come with npm bundled.
missing_packages() {
  local p status
  for p in "${packages[@]}"; do
    case "$p" in
      nodejs) command -v node >/dev/null && continue ;;
      npm) command -v npm >/dev/null && continue ;;
    esac
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
    [ "${status:0:2}" = ii ] || echo "$p"
  done
}

install_packages() {
  local missing
  mapfile -t missing < <(missing_packages)
  [ ${#missing[@]} -gt 0 ] || return 0
  need_root "Installing ${missing[*]}"
  log "installing ${missing[*]}"
  apt_update
  DEBIAN_FRONTEND=noninteractive apt_get install -y -q "${missing[@]}"
}

# Debian's libimgui-dev has no sources, which the wasm build needs; they come
# from Debian's source package, so apt needs deb-src entries.
enable_deb_src() {
  local list=/etc/apt/sources.list.d/debian-src.sources
  [ -f "$list" ] && return 0
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$list"
  elif [ -f /etc/apt/sources.list ]; then
    list=/etc/apt/sources.list.d/debian-src.list
    [ -f "$list" ] && return 0
    sed -n 's/^deb \(.*\)$/deb-src \1/p' /etc/apt/sources.list > "$list"
  else
    log "no apt sources found to derive deb-src entries from"
    exit 1
  fi
  apt_updated=
}

fetch_imgui() {
  local dest="$root/third_party/imgui"
  [ -f "$dest/imgui.cpp" ] && [ -f "$dest/backends/imgui_impl_opengl3.cpp" ] && return 0
  need_root "Fetching the Dear ImGui sources"
  log "fetching Dear ImGui sources (Debian source package imgui)"
  enable_deb_src
  apt_update
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  chown _apt "$tmp" 2>/dev/null || true  # apt downloads as its own user
  (cd "$tmp" && apt_get source -q --download-only imgui >/dev/null)
  tar -C "$tmp" -xf "$tmp"/imgui_*.orig.tar.*
  local src
  src=$(find "$tmp" -mindepth 2 -maxdepth 2 -name imgui.cpp -printf '%h\n' | head -n 1)
  [ -n "$src" ] || { log "the imgui source package holds no imgui.cpp"; exit 1; }
  mkdir -p "$root/third_party"
  rm -rf "$dest"
  mv "$src" "$dest"
}

# libyaml-cpp-dev is a native library; the wasm build of core compiles
# yaml-cpp from Debian's source package (the upstream tarball, without
# Debian's patches, which concern the shared library's packaging).
fetch_yaml_cpp() {
  local dest="$root/third_party/yaml-cpp"
  [ -f "$dest/src/emitter.cpp" ] && [ -f "$dest/include/yaml-cpp/yaml.h" ] && return 0
  need_root "Fetching the yaml-cpp sources"
  log "fetching yaml-cpp sources (Debian source package yaml-cpp)"
  enable_deb_src
  apt_update
  local dir
  dir=$(mktemp -d)
  chown _apt "$dir" 2>/dev/null || true  # apt downloads as its own user
  (cd "$dir" && apt_get source -q --download-only yaml-cpp >/dev/null)
  tar -C "$dir" -xf "$dir"/yaml-cpp_*.orig.tar.*
  local src
  src=$(find "$dir" -mindepth 3 -maxdepth 3 -path '*/src/emitter.cpp' -printf '%h\n' | head -n 1)
  [ -n "$src" ] || { log "the yaml-cpp source package holds no src/emitter.cpp"; rm -rf "$dir"; exit 1; }
  mkdir -p "$root/third_party"
  rm -rf "$dest"
  mv "$(dirname "$src")" "$dest"
  rm -rf "$dir"
}

# libyaml-dev is native only; the wasm build of core compiles libyaml's C
# sources (its parser, for tame import) from Debian's source package.
fetch_libyaml() {
  local dest="$root/third_party/libyaml"
  [ -f "$dest/src/parser.c" ] && [ -f "$dest/include/yaml.h" ] && return 0
  need_root "Fetching the libyaml sources"
  log "fetching libyaml sources (Debian source package libyaml)"
  enable_deb_src
  apt_update
  local dir
  dir=$(mktemp -d)
  chown _apt "$dir" 2>/dev/null || true  # apt downloads as its own user
  (cd "$dir" && apt_get source -q --download-only libyaml >/dev/null)
  tar -C "$dir" -xf "$dir"/libyaml_*.orig.tar.*
  local src
  src=$(find "$dir" -mindepth 3 -maxdepth 3 -path '*/src/parser.c' -printf '%h\n' | head -n 1)
  [ -n "$src" ] || { log "the libyaml source package holds no src/parser.c"; rm -rf "$dir"; exit 1; }
  mkdir -p "$root/third_party"
  rm -rf "$dest"
  mv "$(dirname "$src")" "$dest"
  rm -rf "$dir"
}

install_node_modules() {
  [ -f "$root/node_modules/playwright-core/package.json" ] &&
    [ -f "$root/node_modules/gitlab-ci-local/package.json" ] && return 0
  log "installing npm packages"
  cd "$root"
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
  else
    npm install --no-audit --no-fund --loglevel=error >/dev/null
  fi
}

install_packages
fetch_imgui
fetch_yaml_cpp
fetch_libyaml
install_node_modules
