#!/usr/bin/env bash
# Holds CONNECTIONS (default 10000) concurrent keep-alive client connections on aad-auth-proxy (each
# has made one request) and reports the service's RSS and descriptors per connection. The token comes
# from aad-auth-proxy-emulator; everything is on 127.0.0.1. Raises the descriptor limit first.
#   CONNECTIONS=10000  BUILD_DIR=build  CYCLES=1  HOLD_SECONDS=15
set -euo pipefail
cd "$(dirname "$0")/.."
count=${CONNECTIONS:-10000}
build_dir=${BUILD_DIR:-build}
ulimit -n $((count + 1024)) || { echo "connections.sh: cannot raise the descriptor limit (ulimit -Hn is $(ulimit -Hn))" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

"$build_dir/bin/aad-auth-proxy-emulator" --state-dir "$work/emu" >"$work/emulator.log" 2>&1 &
pids+=($!)
for _ in $(seq 600); do [[ -s $work/emu/emulator.env ]] && break; sleep 0.1; done
# shellcheck source=/dev/null
source "$work/emu/emulator.env"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env -i PATH="$PATH" AAD_AUTH_PROXY_CONFIG= LISTEN_ADDRESS=127.0.0.1 LISTENING_PORT="$port" \
  TARGET_HOST="$AAP_EMULATOR_UPSTREAM" AUDIENCE=https://monitor.azure.com IDENTITY_TYPE=systemassigned \
  AZURE_POD_IDENTITY_AUTHORITY_HOST="$AAP_EMULATOR_IMDS" CLIENT_IDLE_TIMEOUT_MS=600000 LOG_LEVEL=warning \
  CONTROL_SOCKET="$work/control.sock" "$build_dir/bin/aad-auth-proxy" >"$work/service.log" 2>&1 &
service=$!
pids+=("$service")
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/ready" && break; sleep 0.1; done

rss() { awk '/VmRSS/ {print $2}' "/proc/$service/status"; }
fds() { find "/proc/$service/fd" -mindepth 1 -maxdepth 1 | wc -l; }
rss0=$(rss)
fds0=$(fds)
# Each cycle opens CONNECTIONS clients, holds them, and closes them; RSS is read while they are open
# and a few seconds after they closed (workers hand freed heap back after many closes).
cycles=${CYCLES:-1}
hold=${HOLD_SECONDS:-15}
for cycle in $(seq "$cycles"); do
  python3 bench/hold_connections.py --port "$port" --count "$count" --hold "$hold" >"$work/client.log" 2>&1 &
  client=$!
  pids+=("$client")
  for _ in $(seq 600); do grep -q '^open=' "$work/client.log" && break; sleep 0.2; done
  sleep 2
  rss1=$(rss)
  fds1=$(fds)
  cat "$work/client.log"
  wait "$client" || { echo "connections.sh: the client failed" >&2; exit 1; }
  sleep "${SETTLE_SECONDS:-3}"
  rss2=$(rss)
  awk -v c="$cycle" -v n="$count" -v r0="$rss0" -v r1="$rss1" -v r2="$rss2" -v f0="$fds0" -v f1="$fds1" 'BEGIN {
    printf "cycle=%d connections=%d rss_before_kib=%d rss_open_kib=%d rss_per_connection_bytes=%.0f rss_after_close_kib=%d rss_after_close_above_baseline_kib=%d fds_before=%d fds_open=%d fds_per_connection=%.3f\n",
      c, n, r0, r1, (r1 - r0) * 1024 / n, r2, r2 - r0, f0, f1, (f1 - f0) / n }'
done
