#!/usr/bin/env bash
# Fails when a source file includes a header of a layer its library may not use. The layers and
# what each may use come from aap_add_layer() in the CMakeLists.txt files (cmake/AapLayers.cmake),
# which writes them to <build>/aap-layers.txt at configure time.
#   scripts/check-layers.sh [LAYERS_FILE [SOURCE_DIR]]   (defaults: build/aap-layers.txt, the repo)
set -euo pipefail
layers_file=${1:-build/aap-layers.txt}
source_dir=${2:-$(cd "$(dirname "$0")/.." && pwd)}
[[ -r $layers_file ]] || { echo "check-layers: $layers_file missing (configure a build first)" >&2; exit 1; }

declare -A owner     # include prefix (first path component) -> library
declare -A folders   # library -> "root/folder ..."
declare -A allowed   # library -> " lib lib "
while read -r library root folder_list layer_list; do
  [[ -z $library || $library == \#* ]] && continue
  [[ $layer_list == - ]] && layer_list=""
  allowed[$library]=" ${layer_list//,/ } "
  for folder in ${folder_list//,/ }; do
    if [[ -n ${owner[$folder]:-} ]]; then
      echo "check-layers: folder name '$folder' is used by ${owner[$folder]} and $library" >&2
      exit 1
    fi
    owner[$folder]=$library
    folders[$library]+=" $root/$folder"
  done
done <"$layers_file"
((${#owner[@]})) || { echo "check-layers: no layers in $layers_file" >&2; exit 1; }

violations=0
checked=0
for library in "${!folders[@]}"; do
  for dir in ${folders[$library]}; do
    [[ -d $source_dir/$dir ]] || { echo "check-layers: $dir missing" >&2; exit 1; }
    while IFS=: read -r file line include; do
      prefix=${include%%/*}
      used=${owner[$prefix]:-}
      [[ -z $used || $used == "$library" || ${allowed[$library]} == *" $used "* ]] && continue
      echo "${file#"$source_dir"/}:$line: $library may not include \"$include\" ($used);" \
        "allowed:${allowed[$library]}" >&2
      violations=$((violations + 1))
    done < <(grep -rnoE --include='*.cpp' --include='*.h' '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]+/[^"]+"' \
      "$source_dir/$dir" | sed -E 's/^([^:]+):([0-9]+):.*"([^"]+)"$/\1:\2:\3/' || true)
    checked=$((checked + $(find "$source_dir/$dir" \( -name '*.cpp' -o -name '*.h' \) | wc -l)))
  done
done
if ((violations)); then
  echo "check-layers: $violations include(s) break the layering (see docs/architecture.md)" >&2
  exit 1
fi
((checked)) || { echo "check-layers: no source files found" >&2; exit 1; }
echo "check-layers: clean (${#folders[@]} libraries, $checked files)"
