#!/usr/bin/env bash
# Installs dependencies, builds, and starts aad-auth-proxy in the foreground.
#   CONFIG=…   config file (default: resources/examples/try-it.conf, which works out of the box)
# Extra arguments are passed to the service (e.g. --listening-port 9090).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target aad-auth-proxy aad-auth-proxy-configurator

config=${CONFIG:-resources/examples/try-it.conf}
imds_reachable() { timeout 1 bash -c '</dev/tcp/169.254.169.254/80' 2>/dev/null; }
if [[ $config == resources/examples/try-it.conf && -z ${AZURE_POD_IDENTITY_AUTHORITY_HOST:-} ]] &&
  ! imds_reachable; then
  # Not an Azure VM: point managed identity at a closed loopback port rather than wait for time-outs
  # against an IMDS that is not there, so the service starts, stays not-ready and says why (/ready).
  export AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:9
fi
exec build/bin/aad-auth-proxy --config "$config" "$@"
