#!/usr/bin/env bash
# One entry point for a fresh Debian/Ubuntu machine:
#   ./bootstrap.sh            install what is missing, build, open the viewer
#   ./bootstrap.sh test       install what is missing, build, run the whole test suite
#   ./bootstrap.sh deps       only install the packages
# Packages are installed with apt-get (through sudo when not root).
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(build-essential cmake ninja-build pkg-config
  libsdl2-dev libcairo2-dev libpango1.0-dev libopenblas-dev liblapacke-dev
  libjansson-dev libpcre2-dev libcmocka-dev
  fonts-dejavu-core xvfb xauth)

install_deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "bootstrap: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}"
}

build() { # preset
  cmake --preset "$1" >/dev/null
  cmake --build --preset "$1"
}

mode="${1:-run}"
case "$mode" in
  deps) install_deps ;;
  run)
    install_deps
    build default
    shift || true
    exec ./build/glassbox "$@"
    ;;
  test)
    install_deps
    build default
    ctest --preset default -j2
    ;;
  *) echo "usage: $0 [run|test|deps]" >&2; exit 2 ;;
esac
