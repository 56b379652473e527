#!/usr/bin/env bash
# ThreadSanitizer build (AAP_SANITIZE_THREAD): runs one test command with TSAN_OPTIONS' log_path set
# to a folder of its own, so that the reports of the test and of every process it starts (they
# inherit TSAN_OPTIONS: ServiceProcess keeps it in its scrubbed environment) land there. A service
# that reports a race exits on its own (halt_on_error=1) and a test does not always notice; this
# fails the test on any report, and prints them.
# Usage: tsan-run.sh <test command> [arguments...]
set -uo pipefail
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
export TSAN_OPTIONS="${TSAN_OPTIONS:-}:log_path=$reports/tsan"
"$@"
status=$?
# A test halted by TSan skips its clean-up: the services it started would hold ctest's output pipe
# until the test's TIMEOUT. They are found by the report folder in their TSAN_OPTIONS.
while read -r environ; do
  pid=${environ#/proc/}
  pid=${pid%/environ}
  [[ $pid != "$$" ]] && kill -KILL "$pid" 2>/dev/null
done < <(grep -lzF "log_path=$reports/tsan" /proc/[0-9]*/environ 2>/dev/null)
if compgen -G "$reports/tsan.*" >/dev/null; then
  for report in "$reports"/tsan.*; do
    echo "tsan-run.sh: ThreadSanitizer report of process ${report##*.}:"
    cat "$report"
  done
  echo "tsan-run.sh: FAIL: ThreadSanitizer reported (test exit status $status)"
  # Kept for scripts/test.sh, which fails the stage on any report, even of a test passed on retry.
  [[ -n ${TSAN_REPORTS_LOG:-} ]] && cat "$reports"/tsan.* >>"$TSAN_REPORTS_LOG"
  exit 1
fi
exit "$status"
