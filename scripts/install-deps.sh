#!/usr/bin/env bash
# Installs everything needed to build and test aad-auth-proxy on Debian 12 (bench/run.sh adds its peers).
# Idempotent: packages already present are skipped by apt-get.
set -euo pipefail

#   install-deps.sh             the build, scripts/run.sh and the tests but the end-to-end one
#   install-deps.sh e2e         what the real-Prometheus end-to-end test adds (tests/e2e)
#   install-deps.sh fuzz        what scripts/fuzz.sh adds (clang 14 with libFuzzer and the sanitizer runtimes)
#   install-deps.sh packaging   what scripts/package-check.sh adds (dpkg-shlibdeps, systemd-analyze)
#   install-deps.sh windows     what scripts/windows-check.sh adds (mingw-w64, wine, wixl, msiinfo)
packages=()
groups=("$@")
((${#groups[@]})) || groups=(build)
for group in "${groups[@]}"; do
  case $group in
  build)
    packages+=(
      build-essential cmake ninja-build pkg-config git ccache
      qt6-base-dev qt6-base-dev-tools libmsgsl-dev libssl-dev openssl ca-certificates
      clang-format clang-tidy python3
      # OTLP exporter (gRPC 1.51, protobuf 3.21; code generated at build time)
      libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
      # telemetry tests: a Python OTLP collector (Debian's /usr/bin/python3), promtool and Prometheus
      python3-grpcio python3-protobuf python3-grpc-tools prometheus
      # GUI tests render offscreen and need a font; the benchmark's peers come with bench/run.sh
      fonts-dejavu-core
      # scripts/run.sh talks to the service
      curl
      # a real HTTP CONNECT proxy for the outbound-proxy tests (started by the test, never as a service)
      tinyproxy
    )
    ;;
  # Its own group because Debian's package also starts a Prometheus system service: a user who only
  # runs scripts/run.sh does not get one. The tests start their own servers on OS-chosen ports.
  e2e) packages+=(prometheus) ;;
  fuzz) packages+=(clang libclang-rt-14-dev) ;;
  packaging) packages+=(dpkg-dev fakeroot file systemd adduser passwd desktop-file-utils) ;;
  # Only the x86_64 posix-threads compiler: the whole mingw-w64 set is about 1.2 GB.
  windows) packages+=(g++-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64 wine64 wixl msitools) ;;
  *)
    echo "install-deps.sh: unknown group '$group' (build, e2e, fuzz, packaging, windows)" >&2
    exit 2
    ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  # env, not export: sudo drops the caller's environment.
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
fi
