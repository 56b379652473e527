#!/usr/bin/env bash
# run.sh — aad-auth-proxy against its peers, on this machine, with the harness copied from the shared
# bench (peers.sh, cg_per_request.sh, goproxy/).
#
#   bash bench/run.sh peers      req/s, p50/p99, CPU us per request, peak RSS vs nginx, HAProxy, Go (wrk)
#   bash bench/run.sh cg         instructions per proxied GET under callgrind (exact, repeatable)
#
# The proxy fetches its own token, so it needs a local token source (a fake IMDS or the emulator):
# AAP_TOKEN_ARGS holds the flags that point its identity there. There is deliberately no fixed-token
# mode in the product. Other knobs: AAP_BIN (default build/bin/aad-auth-proxy), AAP_EXTRA_ARGS,
# PROXY_THREADS (worker threads, default 1, like the peers), plus every knob of peers.sh /
# cg_per_request.sh (DURATION, CONNS, SCENARIOS, REPEAT, N1, N2, REQ_PATH, ...).
set -Eeuo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
MODE="${1:-peers}"
AAP_BIN="${AAP_BIN:-$ROOT/build/bin/aad-auth-proxy}"
AAP_TOKEN_ARGS="${AAP_TOKEN_ARGS:-}"
AAP_EXTRA_ARGS="${AAP_EXTRA_ARGS:-}"
export PROXY_THREADS="${PROXY_THREADS:-1}"

die() { printf '[run] ERROR: %s\n' "$*" >&2; exit 1; }

[[ -x "$AAP_BIN" ]] || die "no proxy binary at $AAP_BIN (build it, preferably -DCMAKE_BUILD_TYPE=Release, or set AAP_BIN)"
[[ -n "$AAP_TOKEN_ARGS" ]] || die "AAP_TOKEN_ARGS is empty: point the proxy at a local token source (see bench/README.md)"

# {PORT} and {UPSTREAM} are filled in by the harness; the upstream is an explicit http:// target.
CMD="$AAP_BIN --listen-address 127.0.0.1 --listening-port {PORT} --target-host {UPSTREAM}"
CMD+=" --worker-threads $PROXY_THREADS $AAP_TOKEN_ARGS $AAP_EXTRA_ARGS"

case "$MODE" in
  peers)
    # The upstream sees the token of the local source, not the harness's fixed one.
    PROJECT_PROXY_CMD="$CMD" PROJECT_PROXY_NAME="${PROJECT_PROXY_NAME:-aad-auth-proxy}" PROJECT_EXPECT_TOKEN=0 \
      exec bash "$BENCH_DIR/peers.sh"
    ;;
  cg)
    exec bash "$BENCH_DIR/cg_per_request.sh" "$CMD"
    ;;
  *)
    die "usage: run.sh peers|cg"
    ;;
esac
