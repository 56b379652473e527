#!/usr/bin/env bash
# Installs dependencies, builds with warnings as errors, and runs every test (ctest).
#   SANITIZE=1   AddressSanitizer + UndefinedBehaviorSanitizer build (in build-asan/)
#   BUILD_DIR=…  build folder (default build/, or build-asan/ with SANITIZE=1)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

sanitize=${SANITIZE:-0}
build_dir=${BUILD_DIR:-build}
[[ $sanitize == 1 && -z ${BUILD_DIR:-} ]] && build_dir=build-asan
build_type=RelWithDebInfo
[[ $sanitize == 1 ]] && build_type=Debug

# ccache makes a rebuild in a fresh clone on the same machine cheap; paths are made relative to the
# checkout so clones in other folders share the cache.
if command -v ccache >/dev/null; then
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-20G}
fi

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" -DAAP_WERROR=ON \
  -DAAP_SANITIZE="$([[ $sanitize == 1 ]] && echo ON || echo OFF)"
cmake --build "$build_dir" -j"$(nproc)"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)"
