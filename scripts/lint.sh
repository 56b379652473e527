#!/usr/bin/env bash
# Fails on an unformatted tree (clang-format, every C++ file) or a clang-tidy finding in any C++
# source the build compiles (scripts/tidy.py: parallel, cached outside the clone). Needs a
# configured build/ (BUILD_DIR) for tidy.
set -euo pipefail
cd "$(dirname "$0")/.."

git rev-parse --is-inside-work-tree >/dev/null # an empty file list must not pass as "clean"
mapfile -t all_files < <(git ls-files '*.cpp' '*.h')
((${#all_files[@]})) || { echo "lint: no C++ files found" >&2; exit 1; }
clang-format --dry-run --Werror "${all_files[@]}"

# A functor connected without a context object outlives its receiver. Qt 6.4 ignores
# QT_NO_CONTEXTLESS_CONNECT, so look for connect(sender, &Signal, [lambda]) here.
contextless=$(perl -0ne 'while (/\bconnect\(\s*[^,;()]+(?:\([^()]*\))?,\s*&[\w:]+,\s*\[/g) { print "$ARGV\n" }' \
  "${all_files[@]}" | sort -u)
if [[ -n $contextless ]]; then
  echo "lint: connect() without a context object in:" >&2
  echo "$contextless" >&2
  exit 1
fi

# Every source the build compiles, in parallel, skipping files unchanged since a clean run.
python3 scripts/tidy.py "${BUILD_DIR:-build}"
echo "lint: clean (${#all_files[@]} files formatted, whole tree tidy)"
