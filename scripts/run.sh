#!/usr/bin/env bash
# Installs dependencies, builds, and starts aad-auth-proxy in the foreground.
#   CONFIG=…   config file (default: resources/examples/try-it.conf, which works out of the box)
# Extra arguments are passed to the service (e.g. --listening-port 9090).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target aad-auth-proxy

config=${CONFIG:-resources/examples/try-it.conf}
if [[ $config == resources/examples/try-it.conf && -z ${AZURE_POD_IDENTITY_AUTHORITY_HOST:-} ]]; then
  # The try-out has no Azure identity: point managed identity at a closed loopback port instead of
  # the VM's IMDS, so the service starts, stays not-ready and says why (GET /ready).
  export AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:9
fi
exec build/bin/aad-auth-proxy --config "$config" "$@"
