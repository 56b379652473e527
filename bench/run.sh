#!/usr/bin/env bash
# Peer benchmark: aad-auth-proxy beside nginx, HAProxy and Go's httputil.ReverseProxy (the original's
# engine), all forwarding to the same nginx upstream with the same 1536-character bearer token.
# Our proxy fetches that token from a local IMDS stand-in (aap-bench-token-source), exactly as it
# would on a VM, so the upstream sees the same Authorization header from every peer.
#   bench/run.sh                 # DURATION=10s CONNS="50 256" SCENARIOS="root 64k" (see peers.sh)
#   REPEAT=3 SCENARIOS="root 64k post" bench/run.sh
#   bench/run.sh callgrind       # instructions per proxied GET / for nginx, Go and aad-auth-proxy
#   bench/run.sh syscalls        # system calls per proxied GET / (strace -f -c), the same three
#   bench/run.sh faults          # page faults per proxied GET /, the same three
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

apt_packages=(nginx haproxy wrk golang-go curl iproute2 valgrind)
bash "$root/scripts/install-deps.sh"
missing=()
for p in "${apt_packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
((${#missing[@]} == 0)) || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; }

build=${BUILD_DIR:-$root/build-bench}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target aad-auth-proxy aap-bench-token-source

export WORK_DIR=${WORK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/aap-bench.XXXXXX")}
mkdir -p "$WORK_DIR"
# peers.sh and cg_per_request.sh write the (identical, deterministic) token to WORK_DIR/token.txt
# before they start a proxy; the token source reads it on each request.
mode=${1:-peers}
[[ $mode == callgrind || $mode == syscalls || $mode == faults ]] && mkdir -p "$WORK_DIR/cg" && token_file=$WORK_DIR/cg/token.txt || token_file=$WORK_DIR/token.txt

"$build/bin/aap-bench-token-source" --token-file "$token_file" >"$WORK_DIR/token-source.port" 2>"$WORK_DIR/token-source.log" &
source_pid=$!
trap 'kill $source_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do [[ -s $WORK_DIR/token-source.port ]] && break; sleep 0.1; done
source_port=$(cat "$WORK_DIR/token-source.port")
[[ -n $source_port ]] || { echo "token source did not start" >&2; exit 1; }

export IDENTITY_TYPE=systemassigned AUDIENCE=https://monitor.azure.com LOG_LEVEL=warning
export AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:$source_port
export WORKER_THREADS=${PROXY_THREADS:-1}
proxy_cmd="$build/bin/aad-auth-proxy --config /dev/null --listening-port {PORT} --target-host {UPSTREAM}"

if [[ $mode == callgrind || $mode == syscalls || $mode == faults ]]; then
  [[ $mode == callgrind ]] || export COUNT=$mode
  for target in nginx go "$proxy_cmd"; do
    WORK_DIR=$WORK_DIR/cg bash "$here/cg_per_request.sh" "$target"
  done
  exit 0
fi

PROJECT_PROXY_NAME=aap PROJECT_PROXY_CMD="$proxy_cmd" PROXY_THREADS=${PROXY_THREADS:-1} \
  RESULTS_FILE=${RESULTS_FILE:-$WORK_DIR/results-table.txt} bash "$here/peers.sh"
