#!/usr/bin/env bash
# Soak: steady load on aad-auth-proxy for DURATION seconds while aad-auth-proxy-emulator hands out
# short-lived tokens (a refresh every few minutes); every SLICE seconds it samples the service's RSS,
# descriptors and the slice's latency percentiles (wrk --latency), and at the end plots them to PNG
# with gnuplot. The upstream is the emulator's token-checking sample upstream, so a request sent
# with an expired or missing token would count as failed (401). Everything is on 127.0.0.1.
#   DURATION=1800 TOKEN_LIFETIME=180 CONNS=8 SLICE=10 BUILD_DIR=build OUT=bench/results
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${DURATION:-1800}
lifetime=${TOKEN_LIFETIME:-180}
conns=${CONNS:-8}
slice=${SLICE:-10}
build_dir=${BUILD_DIR:-build}
out=${OUT:-bench/results}
for tool in wrk gnuplot curl python3; do
  command -v "$tool" >/dev/null || { echo "soak.sh: needs $tool (apt-get install wrk gnuplot-nox curl python3)" >&2; exit 1; }
done
mkdir -p "$out"

work=$(mktemp -d)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

"$build_dir/bin/aad-auth-proxy-emulator" --state-dir "$work/emu" --token-lifetime "$lifetime" >"$work/emulator.log" 2>&1 &
pids+=($!)
for _ in $(seq 600); do [[ -s $work/emu/emulator.env ]] && break; sleep 0.1; done
# shellcheck source=/dev/null
source "$work/emu/emulator.env"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env -i PATH="$PATH" AAD_AUTH_PROXY_CONFIG= LISTEN_ADDRESS=127.0.0.1 LISTENING_PORT="$port" \
  TARGET_HOST="$AAP_EMULATOR_UPSTREAM" AUDIENCE=https://monitor.azure.com IDENTITY_TYPE=systemassigned \
  AZURE_POD_IDENTITY_AUTHORITY_HOST="$AAP_EMULATOR_IMDS" WORKER_THREADS=1 LOG_LEVEL=warning \
  CONTROL_SOCKET="$work/control.sock" "$build_dir/bin/aad-auth-proxy" >"$work/service.log" 2>&1 &
service=$!
pids+=("$service")
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/ready" && break; sleep 0.1; done

to_ms() { # wrk's "1.23ms" / "850.00us" / "1.02s" -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n *= 1000; printf "%.3f", n }'
}
csv=$out/soak.csv
echo "t_s,rss_kib,fds,requests,p50_ms,p99_ms,failed,tokens" >"$csv"
start=$SECONDS
total=0
failed_total=0
while ((SECONDS - start < duration)); do
  wrk -t1 -c"$conns" -d"${slice}s" --latency "http://127.0.0.1:$port/soak" >"$work/wrk.txt" 2>&1 || true
  requests=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.txt")
  socket=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$work/wrk.txt")
  failed=$((${non2xx:-0} + ${socket:-0}))
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$service/status")
  fds=$(find "/proc/$service/fd" -mindepth 1 -maxdepth 1 | wc -l)
  tokens=$(curl -sf "$AAP_EMULATOR_CONTROL/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens_signed"])')
  total=$((total + ${requests:-0}))
  failed_total=$((failed_total + failed))
  echo "$((SECONDS - start)),$rss,$fds,${requests:-0},$p50,$p99,$failed,$tokens" | tee -a "$csv"
done

gnuplot <<GNUPLOT
set terminal pngcairo size 1000,900 font "DejaVu Sans,10"
set output "$out/soak.png"
set datafile separator ","
set key autotitle columnhead top left
set xlabel "seconds"
set grid
set offsets 0, 0, graph 0.15, 0
set multiplot layout 3,1 title "aad-auth-proxy soak: ${duration}s, ${conns} connections, ${lifetime}s tokens"
set ylabel "RSS (MiB)"
set y2label "tokens issued"
set y2tics
set yrange [0:*]
plot "$csv" using 1:(\$2/1024) with linespoints title "RSS", "" using 1:8 axes x1y2 with steps title "tokens issued"
unset y2tics
unset y2label
set ylabel "descriptors"
plot "$csv" using 1:3 with linespoints title "open descriptors", "" using 1:7 with impulses title "failed requests"
set ylabel "latency (ms)"
plot "$csv" using 1:5 with linespoints title "p50", "" using 1:6 with linespoints title "p99"
unset multiplot
GNUPLOT
awk -F, 'NR == 2 {r0 = $2; f0 = $3} NR > 1 {r1 = $2; f1 = $3; if ($2 > rmax) rmax = $2; if ($3 > fmax) fmax = $3; tok = $8}
  END {printf "soak: rss_kib first=%d last=%d max=%d; fds first=%d last=%d max=%d; tokens issued=%d\n", r0, r1, rmax, f0, f1, fmax, tok}' "$csv"
echo "soak: $total requests, $failed_total failed; plot $out/soak.png, samples $csv"
((failed_total == 0))
