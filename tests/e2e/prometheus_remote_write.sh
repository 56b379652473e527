#!/usr/bin/env bash
# End to end with real Prometheus 2.42 (Debian's package): a sender scrapes itself every second and
# remote-writes through aad-auth-proxy to a receiver (--web.enable-remote-write-receiver) that sits
# behind the emulator's token-checking upstream in front mode. Checks that
#   1. the front rejects a write without a valid token (401), so tokens really are checked;
#   2. samples arrive and queries on the receiver see them;
#   3. promtool query instant / range through the proxy return the data;
#   4. across token refreshes (10 s tokens) no sample is lost: the sender's
#      prometheus_remote_storage_samples_failed_total stays 0 and the receiver holds as many samples
#      of a series over a closed window as the sender.
# Everything listens on 127.0.0.1 (the control socket is in the work folder); every wait is bounded.
# Usage: $0 <aad-auth-proxy> <emulator>
set -euo pipefail
service_binary=$1
emulator_binary=$2
for tool in prometheus promtool curl python3; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed (scripts/install-deps.sh)"; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for log in "$work"/*.log; do echo "--- $log"; tail -15 "$log"; done
  exit 1
}
# Free loopback ports chosen by the OS (Prometheus cannot report a port it chose itself).
read -r receiver_port sender_port proxy_port < <(python3 -c '
import socket
s=[socket.socket() for _ in range(3)]
for x in s: x.bind(("127.0.0.1",0))
print(*[x.getsockname()[1] for x in s])')
receiver=http://127.0.0.1:$receiver_port
sender=http://127.0.0.1:$sender_port
proxy=http://127.0.0.1:$proxy_port

wait_until() { # seconds, description, command...
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@"; do
    ((SECONDS < deadline)) || fail "timed out waiting for $what"
    sleep 0.5
  done
}
query() { # base url, promql [time] -> first value of the first series, or empty
  curl -sf --max-time 5 "$1/api/v1/query" --data-urlencode "query=$2" ${3:+--data-urlencode "time=$3"} |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}

printf 'global: {}\n' >"$work/receiver.yml"
prometheus --config.file="$work/receiver.yml" --storage.tsdb.path="$work/receiver-data" \
  --web.listen-address="127.0.0.1:$receiver_port" --web.enable-remote-write-receiver \
  >"$work/receiver.log" 2>&1 &
pids+=($!)

"$emulator_binary" --state-dir "$work/emulator" --token-lifetime 10 --front "$receiver" >"$work/emulator.log" 2>&1 &
pids+=($!)
wait_until 60 "the emulator" test -s "$work/emulator/emulator.env"
# shellcheck source=/dev/null
source "$work/emulator/emulator.env"

env -i PATH="$PATH" AAD_AUTH_PROXY_CONFIG= LISTEN_ADDRESS=127.0.0.1 LISTENING_PORT="$proxy_port" \
  TARGET_HOST="$AAP_EMULATOR_UPSTREAM" AUDIENCE=https://monitor.azure.com IDENTITY_TYPE=systemassigned \
  AZURE_POD_IDENTITY_AUTHORITY_HOST="$AAP_EMULATOR_IMDS" WORKER_THREADS=2 LOG_LEVEL=info \
  CONTROL_SOCKET="$work/control.sock" "$service_binary" >"$work/service.log" 2>&1 &
pids+=($!)
wait_until 60 "the receiver" curl -sf --max-time 2 -o /dev/null "$receiver/-/ready"
wait_until 60 "the proxy's /ready" curl -sf --max-time 2 -o /dev/null "$proxy/ready"

# 1. The front checks tokens: a write without one is refused before it reaches the receiver.
status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST -H 'Content-Type: application/x-protobuf' \
  -H 'Content-Encoding: snappy' -H 'X-Prometheus-Remote-Write-Version: 0.1.0' --data-binary x \
  "$AAP_EMULATOR_UPSTREAM/api/v1/write")
[[ $status == 401 ]] || fail "a write without a token got $status, not 401"
status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'Authorization: Bearer not.a.token' \
  "$AAP_EMULATOR_UPSTREAM/api/v1/query?query=up")
[[ $status == 401 ]] || fail "a query with a forged token got $status, not 401"

cat >"$work/sender.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: self
    static_configs: [{targets: ['127.0.0.1:$sender_port']}]
remote_write:
  - url: $proxy/api/v1/write
    queue_config: {batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s}
YAML
prometheus --config.file="$work/sender.yml" --storage.tsdb.path="$work/sender-data" \
  --web.listen-address="127.0.0.1:$sender_port" >"$work/sender.log" 2>&1 &
pids+=($!)
start=$(date +%s)

# 2. Samples arrive at the receiver.
has_samples() { [[ -n $(query "$receiver" 'up{job="self"}') ]]; }
wait_until 90 "samples at the receiver" has_samples

# 3. promtool through the proxy (the token is added by the proxy, checked by the front).
instant=$(promtool query instant "$proxy" 'up{job="self"}') || fail "promtool query instant failed"
grep -q 'job="self"' <<<"$instant" || fail "promtool query instant returned no series: $instant"
# The end is a second ahead: a sample scraped in the current second lies after a truncated "now",
# and on a slow machine (the TSan stage) it can be the only one the receiver has yet.
range_has_samples() {
  range=$(promtool query range --start="$start" --end="$(($(date +%s) + 1))" --step=1s "$proxy" 'up{job="self"}') ||
    fail "promtool query range failed"
  grep -q '1 @\[' <<<"$range"
}
wait_until 30 "samples from promtool query range" range_has_samples

# 4. Keep writing across at least three token refreshes (10 s tokens, refreshed at 9 s).
signed() { curl -sf --max-time 2 "$AAP_EMULATOR_CONTROL/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens_signed"])'; }
refreshed_thrice() { (($(signed) >= 4)); }
wait_until 90 "three token refreshes" refreshed_thrice
# A closed window that ended 5 s ago and covers the refreshes: once the last batches have arrived,
# both sides hold the same samples (bounded wait: remote write may lag on a loaded machine).
at=$(($(date +%s) - 5))
window=$((at - start - 5))
sent=$(query "$sender" "count_over_time(up{job=\"self\"}[${window}s])" "$at")
[[ -n $sent ]] || fail "the sender has no samples of up"
caught_up() { [[ $(query "$receiver" "count_over_time(up{job=\"self\"}[${window}s])" "$at") == "$sent" ]]; }
wait_until 60 "the receiver to hold the sender's $sent samples over ${window}s" caught_up
failed=$(query "$sender" 'sum(prometheus_remote_storage_samples_failed_total)')
[[ $failed == 0 ]] || fail "the sender counts $failed failed samples"
rejected=$(curl -sf --max-time 2 "$AAP_EMULATOR_CONTROL/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["upstream_401"])')
echo "PASS: $sent samples over ${window}s arrived through $(signed) tokens; failed=0; front refused $rejected unauthenticated requests"
