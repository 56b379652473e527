#!/usr/bin/env bash
# Fails on an unformatted tree (clang-format, every C++ file) or a clang-tidy finding in the C++
# files changed since BASE (default: the previous commit). Needs a configured build/ for tidy.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t all_files < <(git ls-files '*.cpp' '*.h')
if ((${#all_files[@]})); then
  clang-format --dry-run --Werror "${all_files[@]}"
fi

base=${BASE:-HEAD~1}
git rev-parse -q --verify "$base" >/dev/null || base=$(git hash-object -t tree /dev/null)
mapfile -t changed < <(git diff --name-only --diff-filter=AM "$base" -- '*.cpp' | grep -v '^tests/.*/tst_' || true)
if ((${#changed[@]})); then
  clang-tidy -p "${BUILD_DIR:-build}" --quiet "${changed[@]}"
fi
echo "lint: clean (${#all_files[@]} files formatted, ${#changed[@]} changed files tidy)"
