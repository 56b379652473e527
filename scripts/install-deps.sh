#!/usr/bin/env bash
# Installs everything needed to build and test aad-auth-proxy on Debian 12 (bench/run.sh adds its peers).
# Idempotent: packages already present are skipped by apt-get.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ccache
  qt6-base-dev qt6-base-dev-tools libmsgsl-dev libssl-dev openssl ca-certificates
  clang-format clang-tidy
  # OTLP exporter (gRPC 1.51, protobuf 3.21; code generated at build time)
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  # telemetry tests: a Python OTLP collector (Debian's /usr/bin/python3), promtool and Prometheus
  python3 python3-grpcio python3-protobuf python3-grpc-tools prometheus
  # GUI tests render offscreen and need a font; the benchmark's peers come with bench/run.sh
  fonts-dejavu-core
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  # env, not export: sudo drops the caller's environment.
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
