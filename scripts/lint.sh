#!/usr/bin/env bash
# Fails on an unformatted tree (clang-format, every C++ file) or a clang-tidy finding in the C++
# files changed since BASE (default: the previous commit). Needs a configured build/ for tidy.
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

base=${BASE:-HEAD~1}
git rev-parse -q --verify "$base" >/dev/null || base=$(git hash-object -t tree /dev/null)
# Win32 files (windows/ folders) are not in build/'s compile database: scripts/windows-check.sh
# compiles them with mingw-w64 and -Werror instead (clang-tidy 14 cannot find mingw's libstdc++).
mapfile -t changed < <(git diff --name-only --diff-filter=AM "$base" -- '*.cpp' | grep -v '^tests/.*/tst_' |
  grep -v '/windows/' || true)
if ((${#changed[@]})); then
  clang-tidy -p "${BUILD_DIR:-build}" --quiet "${changed[@]}"
fi
echo "lint: clean (${#all_files[@]} files formatted, ${#changed[@]} changed files tidy)"
