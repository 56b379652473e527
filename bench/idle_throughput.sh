#!/usr/bin/env bash
# idle_throughput.sh — do idle keep-alive connections slow down everyone else? (issue 9: with 10,000
# idle connections open, the other clients' throughput stays at 90 % or more of the run without them)
#
# One service (WORKER_THREADS=PROXY_THREADS, default 1) in front of nginx, with a token from the bench
# token source. Each round runs wrk (-t1, CONNS connections, DURATION, GET /) twice on the same
# service: once alone ("quiet"), once while IDLE other connections are open, each having made one
# request and then sending nothing ("idle"). Rounds alternate which run comes first, so drift on a
# shared machine falls on both. Prints every run, then the median per-round ratio idle / quiet of
# req/s and of the service's CPU time per request, and the service's RSS with the idle connections
# open.
#
# Usage: bench/idle_throughput.sh
# Env:   BUILD_DIR=build  IDLE=10000  CONNS=50  DURATION=10s  WARMUP=2s  REPEAT=3  PROXY_THREADS=1
#        WORK_DIR=(new dir under ${TMPDIR:-/tmp})
# Needs: nginx wrk curl ss python3. Everything listens on 127.0.0.1 at free ports; every process it
# starts is stopped by PID on exit.
set -Eeuo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
BENCH_TAG=idle
# shellcheck source=bench_lib.sh
source "$BENCH_DIR/bench_lib.sh"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
IDLE="${IDLE:-10000}"; CONNS="${CONNS:-50}"; DURATION="${DURATION:-10s}"; WARMUP="${WARMUP:-2s}"
REPEAT="${REPEAT:-3}"
WORK_DIR="${WORK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/aap-idle.XXXXXX")}"
for tool in nginx wrk curl ss python3; do command -v "$tool" >/dev/null || die "missing $tool"; done
[[ -x "$BUILD_DIR/bin/aad-auth-proxy" && -x "$BUILD_DIR/bin/aap-bench-token-source" ]] ||
  die "build aad-auth-proxy and aap-bench-token-source in $BUILD_DIR first"
# The idle clients' descriptors (this shell's children) and the service's.
ulimit -n $((IDLE + CONNS + 1024)) || die "cannot raise the descriptor limit to $((IDLE + CONNS + 1024)) (ulimit -Hn is $(ulimit -Hn))"

bench_init
bench_token
bench_upstream
bench_token_source "$BUILD_DIR"

free_port; PORT=$FREE_PORT
env IDENTITY_TYPE=systemassigned AUDIENCE=https://monitor.azure.com LOG_LEVEL=warning \
  WORKER_THREADS="${PROXY_THREADS:-1}" OTEL_SDK_DISABLED=true CLIENT_IDLE_TIMEOUT_MS=600000 \
  AZURE_POD_IDENTITY_AUTHORITY_HOST="http://127.0.0.1:$SOURCE_PORT" \
  "$BUILD_DIR/bin/aad-auth-proxy" --config /dev/null --listening-port "$PORT" --target-host "$UPSTREAM" \
  >"$WORK_DIR/logs/service.log" 2>&1 &
SERVICE=$!; PIDS+=("$SERVICE")
wait_http "$PORT" "$SERVICE" || { tail -n 20 "$WORK_DIR/logs/service.log" >&2; die "service did not start"; }
[[ "$(curl -s --max-time 10 "http://127.0.0.1:$PORT/echo-auth")" == "Bearer $TOKEN" ]] || die "the upstream did not see the token"
[[ "$WARMUP" == 0 ]] || wrk -t1 -c"$CONNS" -d"$WARMUP" "http://127.0.0.1:$PORT/" >/dev/null 2>&1

open_connections() { ss -Htn state established "( dport = :$PORT )" | wc -l; }

# One measured wrk run: prints "req/s cpu_us_per_request errors".
measure() {
  local out ticks requests
  out="$WORK_DIR/logs/wrk.$(date +%s%N).txt"
  ticks=$(cpu_ticks "$SERVICE")
  timeout 300 wrk -t1 -c"$CONNS" -d"$DURATION" "http://127.0.0.1:$PORT/" >"$out" 2>&1 || die "wrk failed (see $out)"
  ticks=$(( $(cpu_ticks "$SERVICE") - ticks ))
  requests=$(awk '/ requests in /{print $1}' "$out")
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$requests" -v errors="$(wrk_errors "$out")" '
    /^Requests\/sec:/ { rps = $2 }
    END { printf "%s %.2f %d\n", rps, t * 1e6 / hz / n, errors }' "$out"
}

# Opens IDLE connections (each makes one request to /health, then sends nothing), then measures.
measure_with_idle() {
  local holder i result rss
  kill -0 "$SERVICE" 2>/dev/null || { tail -n 20 "$WORK_DIR/logs/service.log" >&2; die "the service is gone"; }
  python3 "$BENCH_DIR/hold_connections.py" --port "$PORT" --count "$IDLE" --hold 600 --timeout 300 \
    >"$WORK_DIR/logs/holder.log" 2>&1 &
  holder=$!; PIDS+=("$holder")
  for i in $(seq 1500); do grep -q '^open=' "$WORK_DIR/logs/holder.log" && break; sleep 0.2; done
  grep -q "^open=$IDLE errors=0" "$WORK_DIR/logs/holder.log" || die "the idle connections did not all open: $(cat "$WORK_DIR/logs/holder.log")"
  rss=$(awk '/^VmRSS:/{print $2}' "/proc/$SERVICE/status")
  result="$(measure) $rss"
  stop_pid "$holder" KILL
  # The service notices the closes; the next run starts without them.
  for i in $(seq 300); do (( $(open_connections) == 0 )) && break; sleep 0.1; done
  printf '%s\n' "$result"
}

: >"$WORK_DIR/runs.tsv"
for round in $(seq "$REPEAT"); do
  if (( round % 2 )); then
    quiet=$(measure); idle=$(measure_with_idle)
  else
    idle=$(measure_with_idle); quiet=$(measure)
  fi
  printf '%s %s %s\n' "$round" "$quiet" "$idle" | tee -a "$WORK_DIR/runs.tsv" |
    awk '{ printf "round %d: quiet %s req/s %s us/rq | %d idle open: %s req/s %s us/rq, RSS %s KiB\n", $1, $2, $3, '"$IDLE"', $5, $6, $8 }' >&2
done

echo "# wrk -t1 -c$CONNS -d$DURATION GET /, with and without $IDLE idle keep-alive connections open; $REPEAT rounds"
awk -v idle="$IDLE" '
  function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  { n++; q[n] = $2; i[n] = $5; r[n] = $5 / $2; cq[n] = $3; ci[n] = $6; c[n] = $6 / $3; e += $4 + $7; if ($8 > rss) rss = $8
    per = per sprintf("%s%.3f", n > 1 ? " " : "", $5 / $2) }
  END {
    printf "quiet_req/s=%.0f idle_req/s=%.0f ratio=%.3f per_round=[%s] quiet_cpu_us/rq=%.2f idle_cpu_us/rq=%.2f cpu_ratio=%.3f rss_with_idle_kib=%d errors=%d\n",
      median(q, n), median(i, n), median(r, n), per, median(cq, n), median(ci, n), median(c, n), rss, e
  }' "$WORK_DIR/runs.tsv"
log "logs: $WORK_DIR"
