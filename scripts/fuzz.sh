#!/usr/bin/env bash
# CI fuzz stage: builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan) and runs each
# for a bounded time on a copy of its seed corpus, after replaying its saved crash inputs
# (tests/fuzz/regressions/<target>/). Prints executions per target and fails if any target failed.
#   FUZZ_SECONDS=30   time per target (7 targets: about 3.5 minutes of fuzzing)
#   BUILD_DIR=…       build folder (default build-fuzz/)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh build fuzz

build_dir=${BUILD_DIR:-build-fuzz}
seconds=${FUZZ_SECONDS:-30}
# ccache as in test.sh; passed on the command line too, so a build folder configured before picks it up.
launcher=
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-20G}
  launcher=ccache
fi
CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAAP_WERROR=ON -DAAP_FUZZ=ON \
  -DCMAKE_CXX_COMPILER_LAUNCHER="$launcher" >/dev/null

# target -> seed corpus folder under tests/fuzz/corpus
declare -A corpus=(
  [fuzz_HttpRequest]=request [fuzz_HttpResponse]=response [fuzz_HttpChunked]=chunked
  [fuzz_ConfigFile]=config [fuzz_TokenResponse]=token-response [fuzz_JwtClaims]=jwt
  [fuzz_ControlFrame]=control
)
mapfile -t targets < <(printf '%s\n' "${!corpus[@]}" | sort)
for source in tests/fuzz/fuzz_*.cpp; do
  name=$(basename "$source" .cpp)
  [[ -n ${corpus[$name]:-} ]] || { echo "fuzz.sh: $name has no corpus entry here" >&2; exit 1; }
done
cmake --build "$build_dir" -j"$(nproc)" --target "${targets[@]}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts=$build_dir/fuzz-artifacts
mkdir -p "$artifacts"
failed=()
total=0
for target in "${targets[@]}"; do
  binary=$build_dir/bin/$target
  regressions=tests/fuzz/regressions/$target
  if [[ -d $regressions ]] && compgen -G "$regressions/*" >/dev/null; then
    "$binary" "$regressions"/* >"$work/$target.replay.log" 2>&1 || {
      echo "fuzz.sh: $target fails on a saved regression input:" >&2
      tail -30 "$work/$target.replay.log" >&2
      failed+=("$target (regression)")
      continue
    }
  fi
  mkdir -p "$work/$target"
  status=0
  "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$target-" "$work/$target" "tests/fuzz/corpus/${corpus[$target]}" \
    >"$work/$target.log" 2>&1 || status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$target.log" | grep -o '[0-9]*$' || echo 0)
  total=$((total + runs))
  if ((status != 0)); then
    echo "fuzz.sh: $target FAILED after $runs executions (input saved under $artifacts/):" >&2
    grep -A25 -m1 'ERROR\|runtime error\|deadly signal' "$work/$target.log" >&2 || tail -30 "$work/$target.log" >&2
    failed+=("$target")
  else
    echo "fuzz.sh: $target: $runs executions in ${seconds}s, no finding"
  fi
done
echo "fuzz.sh: $total executions in total"
if ((${#failed[@]})); then
  echo "fuzz.sh: failures: ${failed[*]} (copy the artifact to tests/fuzz/regressions/<target>/ once fixed)" >&2
  exit 1
fi
