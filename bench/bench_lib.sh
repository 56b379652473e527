# bench_lib.sh — start-up code shared by cg_per_request.sh and telemetry_overhead.sh (source it).
# Everything listens on 127.0.0.1 at free ports; every process started through here is stopped by PID
# on exit, error or Ctrl-C. The caller sets BENCH_TAG (log prefix) and WORK_DIR (an existing folder).
#
#   bench_init                      trap that stops PIDS, logs/ www/ tmp/ under WORK_DIR
#   bench_token                     TOKEN (TOKEN_LEN characters, deterministic) and TOKEN_FILE
#   bench_upstream                  nginx on UP_PORT: / -> "ok", /64k, /echo-auth; sets UPSTREAM
#   bench_token_source BUILD        aap-bench-token-source (IMDS stand-in serving TOKEN_FILE); sets SOURCE_PORT
#   bench_cg_measure N CMD [PREP]   runs CMD ({PORT} {UPSTREAM} {TOKEN_FILE} substituted) under callgrind,
#                                   sends N GETs of REQ_PATH over one keep-alive connection, stops it with
#                                   STOP_SIGNAL; sets MEASURED (total Ir). PREP, a function, is called with
#                                   the port first. BENCH_ENV (array of NAME=value) is the proxy's extra env;
#                                   CG_LABEL, when set, names its callgrind and log files; CG_ARGS (array)
#                                   adds valgrind options (--separate-threads=yes: one file per thread,
#                                   callgrind.NAME.out-NN).
#   worker_thread FILE              the suffix (NN) of the per-thread profile that ran the proxy's worker
#   thread_ir FILE-NN               the instructions of one per-thread profile
#   cpu_ticks PID                   utime + stime of a process (all threads) so far, in clock ticks
#   wrk_errors FILE                 non-2xx responses plus socket errors in a wrk report

log() { printf '[%s] %s\n' "${BENCH_TAG:-bench}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

declare -a PIDS=()
declare -a BENCH_ENV=()
stop_pid() { local pid=$1 sig=${2:-TERM} i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -"$sig" "$pid" 2>/dev/null || true
  for i in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done   # valgrind exits slowly
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true; return 0; }
bench_cleanup() { local rc=$? i; trap - EXIT INT TERM
  for ((i=${#PIDS[@]}-1; i>=0; i--)); do stop_pid "${PIDS[i]}"; done; exit "$rc"; }

bench_init() {
  mkdir -p "$WORK_DIR"/{logs,www,tmp}; WORK_DIR="$(cd "$WORK_DIR" && pwd)"
  trap bench_cleanup EXIT; trap 'exit 130' INT; trap 'exit 143' TERM
}

port_lo=20000; port_hi=$(( $(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range) - 1 ))
free_port() { local p; while :; do p=$(( port_lo + ((RANDOM << 15) | RANDOM) % (port_hi - port_lo) ))
  [[ -z "$(ss -Htan "( sport = :$p )")" && "$p" != "${UP_PORT:-}" ]] && { FREE_PORT=$p; return; }; done; }
wait_http() { local i; for i in $(seq 300); do
  kill -0 "$2" 2>/dev/null || return 1
  curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; return 1; }

bench_token() {
  local alphabet='ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  local tok="eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." len=${TOKEN_LEN:-1536}
  while (( ${#tok} < len )); do tok+="$alphabet"; done
  TOKEN="${tok:0:len}"; TOKEN_FILE="$WORK_DIR/token.txt"; printf '%s' "$TOKEN" >"$TOKEN_FILE"
}

# nginx temp paths inside WORK_DIR, prefixed $1 (one nginx must not share another's).
nginx_temps() { local t; for t in client_body proxy fastcgi uwsgi scgi; do printf '%s_temp_path %s/tmp/%s_%s; ' "$t" "$WORK_DIR" "$1" "$t"; done; }

bench_upstream() {
  head -c 65536 /dev/zero | tr '\0' 'x' >"$WORK_DIR/www/64k"
  free_port; UP_PORT=$FREE_PORT; UPSTREAM="http://127.0.0.1:$UP_PORT"
  cat >"$WORK_DIR/upstream.conf" <<EOF
worker_processes 1; daemon off; master_process on; user root; pid $WORK_DIR/upstream.pid;
error_log $WORK_DIR/logs/upstream-error.log warn;
events { worker_connections 1024; }
http { access_log off; $(nginx_temps up) keepalive_requests 1000000;
  server { listen 127.0.0.1:$UP_PORT; default_type text/plain;
    location = / { return 200 "ok\n"; }  location = /64k { root $WORK_DIR/www; }
    location = /echo-auth { return 200 "\$http_authorization"; } } }
EOF
  nginx -e "$WORK_DIR/logs/upstream-error.log" -c "$WORK_DIR/upstream.conf" -p "$WORK_DIR" >"$WORK_DIR/logs/upstream.log" 2>&1 &
  UP_PID=$!; PIDS+=("$UP_PID"); wait_http "$UP_PORT" "$UP_PID" || die "upstream did not start"
}

bench_token_source() {
  local build=$1 i
  "$build/bin/aap-bench-token-source" --token-file "$TOKEN_FILE" >"$WORK_DIR/token-source.port" 2>"$WORK_DIR/logs/token-source.log" &
  PIDS+=("$!")
  for i in $(seq 100); do [[ -s $WORK_DIR/token-source.port ]] && break; sleep 0.1; done
  SOURCE_PORT=$(cat "$WORK_DIR/token-source.port")
  [[ -n $SOURCE_PORT ]] || die "token source did not start"
}

# {PORT} {UPSTREAM} {TOKEN_FILE} of a command template.
bench_substitute() { local cmd=${1//\{PORT\}/$2}; cmd=${cmd//\{UPSTREAM\}/$UPSTREAM}; printf '%s' "${cmd//\{TOKEN_FILE\}/$TOKEN_FILE}"; }

# n requests over one keep-alive connection: GET REQ_PATH, or a POST of POST_BYTES bytes when set.
bench_requests() {
  local n=$1 port=$2; local -a body=()
  if [[ -n "${POST_BYTES:-}" ]]; then
    [[ -f "$WORK_DIR/post.$POST_BYTES" ]] || head -c "$POST_BYTES" /dev/zero | tr '\0' 'p' >"$WORK_DIR/post.$POST_BYTES"
    body=(-H "Expect:" --data-binary "@$WORK_DIR/post.$POST_BYTES")
  fi
  timeout 600 curl -s -o /dev/null --max-time 10 "${body[@]}" "http://127.0.0.1:$port${REQ_PATH:-/}?r=[1-$n]" || die "requests failed"
}

bench_cg_measure() {  # no subshell, so a failure still stops valgrind via the EXIT trap
  local n=$1 template=$2 prepare=${3:-} port cmd vp got name="${CG_LABEL:+$CG_LABEL.}$1"
  free_port; port=$FREE_PORT
  cmd=$(bench_substitute "$template" "$port")
  [[ -n "$prepare" ]] && "$prepare" "$port"
  # env execs valgrind (same PID), which runs the proxy itself: the count is the proxy's alone.
  env "${BENCH_ENV[@]}" valgrind --tool=callgrind "${CG_ARGS[@]}" --callgrind-out-file="$WORK_DIR/callgrind.$name.out" $cmd >"$WORK_DIR/logs/cg-$name.log" 2>&1 &
  vp=$!; PIDS+=("$vp")
  wait_http "$port" "$vp" || { tail -n 20 "$WORK_DIR/logs/cg-$name.log" >&2; die "proxy did not start under valgrind"; }
  got=$(curl -s --max-time 10 "http://127.0.0.1:$port/echo-auth")
  [[ "$got" == "Bearer $TOKEN" ]] || log "warning: upstream saw Authorization of ${#got} chars, not the fixed token"
  bench_requests "$n" "$port"
  stop_pid "$vp" "${STOP_SIGNAL:-TERM}"
  MEASURED=$(awk '/Collected :/{print $NF}' "$WORK_DIR/logs/cg-$name.log" | tail -n 1)
}

# Like bench_cg_measure, for COUNT=syscalls (under `strace -f -c`: MEASURED is the number of system
# calls, $WORK_DIR/strace.<n>.txt holds strace's table) or COUNT=faults (MEASURED is the process's
# minor and major page faults when the requests are done).
bench_count_measure() {
  local n=$1 template=$2 prepare=${3:-} port cmd pid got
  free_port; port=$FREE_PORT
  cmd=$(bench_substitute "$template" "$port")
  [[ -n "$prepare" ]] && "$prepare" "$port"
  if [[ "$COUNT" == syscalls ]]; then
    env "${BENCH_ENV[@]}" strace -f -c -o "$WORK_DIR/strace.$n.txt" $cmd >"$WORK_DIR/logs/count-$n.log" 2>&1 &
  else
    env "${BENCH_ENV[@]}" $cmd >"$WORK_DIR/logs/count-$n.log" 2>&1 &
  fi
  pid=$!; PIDS+=("$pid")
  wait_http "$port" "$pid" || { tail -n 20 "$WORK_DIR/logs/count-$n.log" >&2; die "proxy did not start"; }
  got=$(curl -s --max-time 10 "http://127.0.0.1:$port/echo-auth")
  [[ "$got" == "Bearer $TOKEN" ]] || log "warning: upstream saw Authorization of ${#got} chars, not the fixed token"
  bench_requests "$n" "$port"
  if [[ "$COUNT" == faults ]]; then
    MEASURED=$(awk '{ sub(/^.*\) /, ""); print $8 + $10 }' "/proc/$pid/stat")
    stop_pid "$pid" "${STOP_SIGNAL:-TERM}"
    return
  fi
  # The traced process gets the signal: strace itself would die without writing its table.
  kill -"${STOP_SIGNAL:-TERM}" "$(pgrep -o -P "$pid")" 2>/dev/null || true
  stop_pid "$pid" CONT
  # Columns: % time, seconds, usecs/call, calls, [errors,] syscall.
  MEASURED=$(awk '$NF == "total" { print $4 }' "$WORK_DIR/strace.$n.txt")
}

# CPU time of a process and all its threads so far, in clock ticks (utime + stime).
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }

# Non-2xx responses plus socket errors in a wrk report.
wrk_errors() { awk '/^  Non-2xx/{n += $NF} /Socket errors:/{gsub(/,/, ""); n += $4 + $6 + $8 + $10} END{print n + 0}' "$1"; }

# Instructions of one thread's profile (callgrind --separate-threads=yes).
thread_ir() { awk '/^(summary|totals):/ { print $2; exit }' "$1"; }

# The proxy worker's thread (WORKER_THREADS=1): the one that ran ClientConnection. Its suffix (-02 ...)
# is printed. The other threads are the main thread (start-up, the acceptor) and, with export on, the
# exporter and gRPC's threads, whose work follows the clock (export periods, reconnects) and the spans
# it drains, not the data path: under callgrind's slowdown it would look like a per-request cost it is not.
worker_thread() {
  local f
  for f in "$1"-*; do
    grep -q 'ClientConnection::processInput' "$f" && { printf '%s' "${f##*-}"; return; }
  done
  return 0  # no such thread (another proxy): empty, which callers check
}
