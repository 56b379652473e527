#!/usr/bin/env bash
# telemetry_overhead.sh — what telemetry costs the data path (issue 11), aad-auth-proxy only.
#
#  cg   instructions per proxied GET / under callgrind, as cg_per_request.sh counts them
#       ((Ir(N2) - Ir(N1)) / (N2 - N1), one keep-alive connection), for:
#         metrics_off   PROMETHEUS_METRICS=false OTEL_SDK_DISABLED=true (no per-request counting, no traces)
#         metrics_on    PROMETHEUS_METRICS=true  OTEL_SDK_DISABLED=true (the default /metrics counting,
#                       and "export off" of the wrk mode)
#         traces_off    metrics on, tracing on with OTEL_TRACES_SAMPLER=always_off (ids and traceparent only)
#         traces_on     metrics on, tracing on, always_on, collector down (every span recorded: the
#                       exporter drains the queue under callgrind's slowdown)
#         queue_full    metrics on, tracing on (default sampler), export to black_hole.py with a 10-minute
#                       call time-out: the exporter waits in its first call, and the requests are counted
#                       from the 2,600th on (N1 and N2 moved up), once the span queue (2,048 exchanges,
#                       plus the first batch of 512 taken) is full and every further span is dropped:
#                       what a black-holing collector leaves to the data path
#       counted per thread (--separate-threads=yes). worker_Ir is the proxy worker's thread alone: the
#       data path's cost, which does not depend on timing (identical within a few instructions between
#       rounds). all_Ir adds the main thread and the exporter's and gRPC's threads, whose work follows
#       the clock (export periods, reconnects) and is spread over fewer requests under callgrind's
#       slowdown than in real use. The issue's targets: metrics_on within 3 % of metrics_off; the cost
#       left by a failing collector (queue_full) within 3 % of export off (metrics_on). in_recorder is the
#       worker's part in ExchangeRecorder (clock reads, counters, ids, traceparent, the span queue slot).
#  wrk  req/s (wrk -t1, CONNS connections, DURATION) and the service's peak RSS (VmHWM) with
#         export_off      OTEL_SDK_DISABLED=true
#         collector_down  export to a port where nothing listens
#         black_hole      export to black_hole.py, which accepts and never reads or answers
#       run interleaved in a rotating order (A,B,C, B,C,A, C,A,B...), REPEAT rounds, each run on a fresh service; prints every run,
#       then medians, the median per-round ratio to export_off, and the service's CPU time per request
#       (all threads, from /proc/PID/stat), which load elsewhere on the machine disturbs far less than
#       req/s. The target: within 3 % of export_off.
#       Export periods are 1 s here (OTEL_BSP_SCHEDULE_DELAY, OTEL_METRIC_EXPORT_INTERVAL), not the
#       defaults of 5 s / 60 s, so the exporter works (and fails) several times in every run.
#
# Usage: bench/telemetry_overhead.sh [cg|wrk|all]          (default all)
# Env:   BUILD_DIR=build-rel (a Release tree; configured and built here when the binaries are missing)
#        N1=200 N2=1200 CG_ROUNDS=1 CG_CONFIGS=(all five)  DURATION=10s CONNS=8 REPEAT=5 WARMUP=2s  JOBS=2  WORK_DIR=(new dir under ${TMPDIR:-/tmp})
# Needs: valgrind nginx wrk curl ss python3. Everything listens on 127.0.0.1 at free ports; every
# process it starts is stopped by PID on exit.
set -Eeuo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
BENCH_TAG=telemetry
# shellcheck source=bench_lib.sh
source "$BENCH_DIR/bench_lib.sh"
MODE="${1:-all}"
N1="${N1:-200}"; N2="${N2:-1200}"; DURATION="${DURATION:-10s}"; CONNS="${CONNS:-8}"
REPEAT="${REPEAT:-5}"; CG_ROUNDS="${CG_ROUNDS:-1}"; WARMUP="${WARMUP:-2s}"; JOBS="${JOBS:-2}"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-rel}"
WORK_DIR="${WORK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/aap-telemetry.XXXXXX")}"
for tool in valgrind nginx wrk curl ss python3; do command -v "$tool" >/dev/null || die "missing $tool"; done

if [[ ! -x "$BUILD_DIR/bin/aad-auth-proxy" || ! -x "$BUILD_DIR/bin/aap-bench-token-source" ]]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" -j"$JOBS" --target aad-auth-proxy aap-bench-token-source
fi

bench_init
bench_token
bench_upstream
bench_token_source "$BUILD_DIR"
export IDENTITY_TYPE=systemassigned AUDIENCE=https://monitor.azure.com LOG_LEVEL=warning WORKER_THREADS=1
export AZURE_POD_IDENTITY_AUTHORITY_HOST="http://127.0.0.1:$SOURCE_PORT"
PROXY_CMD="$BUILD_DIR/bin/aad-auth-proxy --config /dev/null --listening-port {PORT} --target-host {UPSTREAM}"
free_port; DEAD_PORT=$FREE_PORT   # nothing is started on it
EXPORT_ON=(OTEL_SDK_DISABLED=false OTEL_BSP_SCHEDULE_DELAY=1000 OTEL_METRIC_EXPORT_INTERVAL=1000)

# Sets BENCH_ENV for a configuration.
configure() {
  case "$1" in
    metrics_off) BENCH_ENV=(PROMETHEUS_METRICS=false OTEL_SDK_DISABLED=true) ;;
    metrics_on | export_off) BENCH_ENV=(PROMETHEUS_METRICS=true OTEL_SDK_DISABLED=true) ;;
    traces_off) BENCH_ENV=("${EXPORT_ON[@]}" OTEL_TRACES_SAMPLER=always_off OTEL_GRPC_ENDPOINT="127.0.0.1:$DEAD_PORT") ;;
    traces_on) BENCH_ENV=("${EXPORT_ON[@]}" OTEL_TRACES_SAMPLER=always_on OTEL_GRPC_ENDPOINT="127.0.0.1:$DEAD_PORT") ;;
    collector_down) BENCH_ENV=("${EXPORT_ON[@]}" OTEL_GRPC_ENDPOINT="127.0.0.1:$DEAD_PORT") ;;
    black_hole) BENCH_ENV=("${EXPORT_ON[@]}" OTEL_GRPC_ENDPOINT="127.0.0.1:$HOLE_PORT") ;;
    # The exporter's first call never returns within the run, so the queue (2048 exchanges) stays full.
    queue_full) BENCH_ENV=("${EXPORT_ON[@]}" OTEL_EXPORTER_OTLP_TIMEOUT=600000 OTEL_GRPC_ENDPOINT="127.0.0.1:$HOLE_PORT") ;;
    *) die "unknown configuration $1" ;;
  esac
}

# A collector that accepts and never reads or answers, on HOLE_PORT.
start_black_hole() {
  [[ -n "${HOLE_PORT:-}" ]] && return
  python3 "$BENCH_DIR/black_hole.py" --seconds 3600 >"$WORK_DIR/black_hole.port" 2>"$WORK_DIR/logs/black_hole.log" &
  PIDS+=("$!")
  for _ in $(seq 100); do [[ -s "$WORK_DIR/black_hole.port" ]] && break; sleep 0.1; done
  HOLE_PORT=$(cat "$WORK_DIR/black_hole.port"); [[ -n "$HOLE_PORT" ]] || die "black hole did not start"
}

# Inclusive instructions per request in ExchangeRecorder (all of the per-request counting and span
# recording on the worker: clock reads, counters, trace ids, the queue slot) between two profiles.
recorder_ir() {
  local f
  for f in "$1" "$2"; do
    callgrind_annotate --inclusive=yes --threshold=100 --auto=no "$f" |
      awk 'match($0, /(ExchangeRecorder\.cpp|\?\?\?):aap::proxy::ExchangeRecorder::(begin|finish|upstreamStarting|traceparent)\(/) {
             # run inside the tree, callgrind_annotate lists a function under its relative path too, and
             # under ??? when callgrind finds no line table for it
             if (seen[substr($0, RSTART, RLENGTH)]++) next; gsub(/,/, "", $1); s += $1 } END { print s + 0 }'
  done | paste -sd' ' | awk -v n=$(( N2 - N1 )) '{ printf "%d", ($2 - $1) / n }'
}

# Event-loop wake-ups per request vary a little with timing (how a response and the next request
# meet in one poll), so each configuration runs CG_ROUNDS times, interleaved, and the median counts.
# Counted per thread: "worker" is the data path's own cost, the issue's measure; "all" adds every
# thread's (time-driven) work.
run_cg() {
  local config round a b per t f1 f2 worker n1 n2
  local -A runs=() workers=() recorder=()
  local configs
  read -r -a configs <<<"${CG_CONFIGS:-metrics_off metrics_on traces_off traces_on queue_full}"
  CG_ARGS=(--separate-threads=yes)
  start_black_hole
  echo "# instructions per proxied GET / (callgrind, N1=$N1 N2=$N2, one keep-alive connection, $CG_ROUNDS interleaved rounds)"
  for round in $(seq "$CG_ROUNDS"); do
    for config in "${configs[@]}"; do
      configure "$config"
      n1=$N1; n2=$N2
      [[ $config != queue_full ]] || { n1=$((N1 + 2600)); n2=$((N2 + 2600)); }
      CG_LABEL=$config.r$round bench_cg_measure "$n1" "$PROXY_CMD"; a=$MEASURED
      CG_LABEL=$config.r$round bench_cg_measure "$n2" "$PROXY_CMD"; b=$MEASURED
      [[ -n "$a" && -n "$b" ]] || die "no callgrind totals for $config (see $WORK_DIR/logs)"
      per=$(( (b - a) / (n2 - n1) ))
      f1="$WORK_DIR/callgrind.$config.r$round.$n1.out"; f2="$WORK_DIR/callgrind.$config.r$round.$n2.out"
      t=$(worker_thread "$f2"); [[ -n "$t" && -f "$f1-$t" ]] || die "no per-thread profiles for $config"
      worker=$(( ($(thread_ir "$f2-$t") - $(thread_ir "$f1-$t")) / (n2 - n1) ))
      runs[$config]+="$per "
      workers[$config]+="$worker "
      recorder[$config]+="$(N1=$n1 N2=$n2 recorder_ir "$f1-$t" "$f2-$t") "
      log "round $round: $config instructions/request: worker thread $worker, all threads $per"
    done
  done
  for config in "${configs[@]}"; do
    printf '%s %s| %s| %s\n' "$config" "${workers[$config]}" "${runs[$config]}" "${recorder[$config]}"
  done | awk '
    function median(s,   a, n, i, j, t) { n = split(s, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
                                          return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    { split($0, parts, "|"); name = $1; sub(/^[^ ]+ /, "", parts[1]); w = median(parts[1]); m = median(parts[2]); r = median(parts[3])
      if (NR == 1) { wbase = w; base = m; rbase = r
        printf "%-12s %10s %9s  %-24s %10s %9s %12s\n", "config", "worker_Ir", "vs_off", "worker_runs", "all_Ir", "vs_off", "in_recorder" }
      printf "%-12s %10d %+8.2f%%  %-24s %10d %+8.2f%% %12d\n", name, w, (w / wbase - 1) * 100, parts[1], m, (m / base - 1) * 100, r }'
}

metric() { curl -s --max-time 5 "http://127.0.0.1:$1/metrics" | awk -v s="$2" 'index($0, s " ") == 1 {print $NF}'; }


# One wrk run of a configuration on a fresh service: prints
# "config req/s peak_rss_kib errors drops cpu_us_per_request".
wrk_run() {
  local config=$1 port cmd pid out rps errors rss drops ticks requests cpu
  configure "$config"
  free_port; port=$FREE_PORT; cmd=$(bench_substitute "$PROXY_CMD" "$port")
  env "${BENCH_ENV[@]}" $cmd >"$WORK_DIR/logs/wrk-$config.service.log" 2>&1 &
  pid=$!; PIDS+=("$pid")
  wait_http "$port" "$pid" || { tail -n 20 "$WORK_DIR/logs/wrk-$config.service.log" >&2; die "$config: service did not start"; }
  [[ "$(curl -s --max-time 10 "http://127.0.0.1:$port/echo-auth")" == "Bearer $TOKEN" ]] || die "$config: upstream did not see the token"
  [[ "$WARMUP" == 0 ]] || wrk -t1 -c"$CONNS" -d"$WARMUP" "http://127.0.0.1:$port/" >/dev/null 2>&1
  out="$WORK_DIR/logs/wrk-$config.$(date +%s%N).txt"
  ticks=$(cpu_ticks "$pid")
  timeout 300 wrk -t1 -c"$CONNS" -d"$DURATION" "http://127.0.0.1:$port/" >"$out" 2>&1 || die "$config: wrk failed"
  ticks=$(( $(cpu_ticks "$pid") - ticks ))
  rps=$(awk '/^Requests\/sec:/{print $2}' "$out")
  requests=$(awk '/ requests in /{print $1}' "$out")
  cpu=$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN { printf "%.2f", t * 1e6 / hz / n }')
  errors=$(wrk_errors "$out")
  drops=$(metric "$port" 'aad_auth_proxy_telemetry_spans_dropped_total{reason="queue_full"}')
  rss=$(awk '/^VmHWM:/{print $2}' "/proc/$pid/status")
  stop_pid "$pid"
  printf '%s %s %s %s %s %s\n' "$config" "$rps" "$rss" "$errors" "${drops:-0}" "$cpu"
}

run_wrk() {
  local round config
  start_black_hole
  : >"$WORK_DIR/wrk.tsv"
  local -a order=(export_off collector_down black_hole)
  for round in $(seq "$REPEAT"); do
    # The order rotates per round, so a drift in the machine's speed favours no configuration.
    for config in "${order[@]}"; do
      wrk_run "$config" | tee -a "$WORK_DIR/wrk.tsv" | sed "s/^/round $round: /" >&2
    done
    order=("${order[@]:1}" "${order[0]}")
  done
  echo "# throughput: wrk -t1 -c$CONNS -d$DURATION GET /, $REPEAT interleaved rounds; medians, and the median of the"
  echo "# per-round ratios to export_off (the runs of a round follow each other in a rotating order and share the machine's load)."
  echo "# cpu_us/rq: the service's CPU time (all threads) per request during the measured run."
  awk '
    function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    { n[$1]++; rps[$1, n[$1]] = $2; rss[$1, n[$1]] = $3; err[$1] += $4; drop[$1, n[$1]] = $5; cpu[$1, n[$1]] = $6 }
    END {
      printf "%-15s %9s %9s %-34s %9s %9s %11s %6s %s\n", "config", "req/s", "x_off", "x_off_per_round", "cpu_us/rq", "x_off", "peakRSS_KiB", "errors", "queue_full_drops"
      split("export_off collector_down black_hole", order, " ")
      for (k = 1; k <= 3; k++) {
        c = order[k]; per = ""; maxrss = 0
        for (i = 1; i <= n[c]; i++) { r[i] = rps[c, i]; q[i] = rps[c, i] / rps["export_off", i]; u[i] = cpu[c, i]; v[i] = cpu[c, i] / cpu["export_off", i]
                                      if (rss[c, i] > maxrss) maxrss = rss[c, i]
                                      per = per sprintf("%s%.3f", i > 1 ? " " : "", q[i]) }
        printf "%-15s %9.0f %9.3f [%-32s] %9.2f %9.3f %11d %6d %s\n", c, median(r, n[c]), median(q, n[c]), per, median(u, n[c]), median(v, n[c]), maxrss, err[c], drop[c, n[c]]
      }
    }' "$WORK_DIR/wrk.tsv"
}

case "$MODE" in
  cg) run_cg ;;
  wrk) run_wrk ;;
  all) run_cg; run_wrk ;;
  *) die "usage: telemetry_overhead.sh [cg|wrk|all]" ;;
esac
log "logs and callgrind files: $WORK_DIR"
