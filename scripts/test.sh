#!/usr/bin/env bash
# Installs dependencies, builds with warnings as errors, and runs every test (ctest).
#   SANITIZE=1       AddressSanitizer + UndefinedBehaviorSanitizer build (in build-asan/)
#   SANITIZE=thread  ThreadSanitizer build (in build-tsan/) of what the integration tests need, which
#                    then run time-boxed (TSAN_SECONDS, default 600, for the whole ctest run)
#   BUILD_DIR=…      build folder (default build/, build-asan/ or build-tsan/)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh build e2e

sanitize=${SANITIZE:-0}
case $sanitize in
  0) default_dir=build build_type=RelWithDebInfo ;;
  1) default_dir=build-asan build_type=Debug ;;
  # Optimised: TSan slows every memory access, and the tests' time-outs must still hold.
  thread) default_dir=build-tsan build_type=RelWithDebInfo ;;
  *) echo "test.sh: SANITIZE must be 0, 1 or thread" >&2; exit 2 ;;
esac
build_dir=${BUILD_DIR:-$default_dir}

# ccache makes a rebuild in a fresh clone on the same machine cheap; paths are made relative to the
# checkout so clones in other folders share the cache.
if command -v ccache >/dev/null; then
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-20G}
fi

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" -DAAP_WERROR=ON \
  -DAAP_SANITIZE="$([[ $sanitize == 1 ]] && echo ON || echo OFF)" \
  -DAAP_SANITIZE_THREAD="$([[ $sanitize == thread ]] && echo ON || echo OFF)"

if [[ $sanitize == thread ]]; then
  cmake --build "$build_dir" -j"$(nproc)" --target aap_integration_tests
  # TSAN_OPTIONS (suppressions, halt_on_error) come from tests/CMakeLists.txt, and tests/tsan-run.sh
  # fails a test on a report from any process it started. The time box covers the whole run: its
  # process group (tests and the services they started) is killed when it runs out.
  # A few tests time the service against deadlines made for an uninstrumented build (a watchdog's
  # ping interval); under TSan's slowdown a failed test gets one more try, but a report fails the
  # stage even when the retry passed.
  export TSAN_REPORTS_LOG=$PWD/$build_dir/tsan-reports.log
  rm -f "$TSAN_REPORTS_LOG"
  timeout --kill-after=30 "${TSAN_SECONDS:-600}" \
    ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" -L integration --repeat until-pass:2
  if [[ -s $TSAN_REPORTS_LOG ]]; then
    echo "test.sh: ThreadSanitizer reported (all reports: $TSAN_REPORTS_LOG)" >&2
    exit 1
  fi
  exit
fi

cmake --build "$build_dir" -j"$(nproc)"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)"
