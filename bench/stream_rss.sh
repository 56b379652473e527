#!/usr/bin/env bash
# stream_rss.sh — RSS growth of aad-auth-proxy while it streams one 100 MB download and one 100 MB
# upload (issue 9: less than 4 MB). nginx is the target: a sparse 100 MB file for the GET, WebDAV PUT
# (written to WORK_DIR, deleted at the end) for the upload. RSS (VmRSS) is sampled every 20 ms during
# each transfer; the growth is the largest sample minus the RSS before the transfer.
# Env: BUILD_DIR=build SIZE_MB=100. Needs nginx curl. Everything is on 127.0.0.1 at free ports.
set -Eeuo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
BENCH_TAG=stream
# shellcheck source=bench_lib.sh
source "$BENCH_DIR/bench_lib.sh"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
SIZE_MB="${SIZE_MB:-100}"
WORK_DIR="${WORK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/aap-stream.XXXXXX")}"
for tool in nginx curl; do command -v "$tool" >/dev/null || die "missing $tool"; done

bench_init
bench_token
bench_token_source "$BUILD_DIR"
truncate -s "${SIZE_MB}M" "$WORK_DIR/www/big"
mkdir -p "$WORK_DIR/www/upload"
free_port; UP_PORT=$FREE_PORT; UPSTREAM="http://127.0.0.1:$UP_PORT"
cat >"$WORK_DIR/upstream.conf" <<CONF
worker_processes 1; daemon off; master_process on; user root; pid $WORK_DIR/upstream.pid;
error_log $WORK_DIR/logs/upstream-error.log warn;
events { worker_connections 64; }
http { access_log off; $(nginx_temps up)
  server { listen 127.0.0.1:$UP_PORT; default_type application/octet-stream; root $WORK_DIR/www;
    location = /big { }
    location /upload/ { dav_methods PUT; client_max_body_size 0; } } }
CONF
nginx -e "$WORK_DIR/logs/upstream-error.log" -c "$WORK_DIR/upstream.conf" -p "$WORK_DIR" >"$WORK_DIR/logs/upstream.log" 2>&1 &
PIDS+=("$!"); wait_http "$UP_PORT" "$!" || die "upstream did not start"

free_port; port=$FREE_PORT
env IDENTITY_TYPE=systemassigned AUDIENCE=https://monitor.azure.com LOG_LEVEL=warning WORKER_THREADS=1 \
  AZURE_POD_IDENTITY_AUTHORITY_HOST="http://127.0.0.1:$SOURCE_PORT" \
  "$BUILD_DIR/bin/aad-auth-proxy" --config /dev/null --listening-port "$port" --target-host "$UPSTREAM" \
  >"$WORK_DIR/logs/service.log" 2>&1 &
pid=$!; PIDS+=("$pid")
wait_http "$port" "$pid" || die "service did not start"
curl -s -o /dev/null --max-time 10 -r 0-1023 "http://127.0.0.1:$port/big" # one request first: pools, buffers

rss() { awk '/^VmRSS:/{print $2}' "/proc/$pid/status"; }
# Runs a transfer while sampling RSS; prints "name bytes before_kib peak_kib growth_kib".
measure() {
  local name=$1 before peak=0 r cpid
  shift
  before=$(rss)
  "$@" &
  cpid=$!
  while kill -0 "$cpid" 2>/dev/null; do
    r=$(rss); ((r > peak)) && peak=$r
    sleep 0.02
  done
  wait "$cpid" || die "$name failed"
  printf '%s before_kib=%d peak_kib=%d growth_kib=%d\n' "$name" "$before" "$peak" $((peak - before))
}
download() {
  local got
  got=$(curl -s -o /dev/null -w '%{size_download} %{http_code}' --max-time 120 "http://127.0.0.1:$port/big")
  [[ $got == "$((SIZE_MB * 1024 * 1024)) 200" ]] || { log "download: $got"; return 1; }
}
# Content-Length from the file (curl -T); the same sparse file nginx serves for the download.
upload() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 120 -T "$WORK_DIR/www/big" \
    -H 'Content-Type: application/octet-stream' "http://127.0.0.1:$port/upload/file") || true
  [[ $code == 201 || $code == 204 ]] || { log "upload: HTTP $code"; return 1; }
  [[ $(stat -c %s "$WORK_DIR/www/upload/file") == "$((SIZE_MB * 1024 * 1024))" ]] || { log "upload: wrong size"; return 1; }
}
measure "download_${SIZE_MB}MB" download
measure "upload_${SIZE_MB}MB" upload
rm -f "$WORK_DIR/www/upload/file" "$WORK_DIR/www/big"
