#!/usr/bin/env bash
# Installs dependencies, builds, and starts aad-auth-proxy in the foreground.
#
# With an Azure identity (an Azure VM or Arc machine, AZURE_CLIENT_ID / IDENTITY_TYPE / ... set, a
# CONFIG given, or AAP_USE_AZURE=1) it runs the service as configured, as in production.
# Without one it shows the product at work against aad-auth-proxy-emulator, a development tool
# that plays IMDS and a token-checking upstream on 127.0.0.1 (docs/emulator.md): it starts both,
# sends a request through, prints /ready, the upstream's view and the token's expiry (never the
# token), then keeps the service in the foreground until Ctrl+C.
#
# The decision is made from local facts only (environment, files, DMI): nothing beyond this machine
# is contacted unless Azure was asked for.
#   CONFIG=…            config file (default: resources/examples/try-it.conf)
#   AAP_USE_AZURE=1|0   force the Azure path / the emulator path
#   AAP_EMULATOR_TOKEN_LIFETIME=seconds  token lifetime in the emulator (default 300)
# Extra arguments are passed to the service (e.g. --listening-port 9090).
set -euo pipefail
cd "$(dirname "$0")/.."

azure_identity_configured() {
  [[ -n ${CONFIG:-} || -n ${AAD_AUTH_PROXY_CONFIG:-} ]] && return 0
  local name
  for name in IDENTITY_TYPE AZURE_CLIENT_ID AAD_CLIENT_ID AZURE_TENANT_ID AAD_TENANT_ID AZURE_CLIENT_SECRET \
    AZURE_CLIENT_CERTIFICATE_PATH AZURE_FEDERATED_TOKEN_FILE IDENTITY_ENDPOINT MSI_ENDPOINT IMDS_ENDPOINT \
    AZURE_POD_IDENTITY_AUTHORITY_HOST; do
    [[ -n ${!name:-} ]] && return 0
  done
  # An Arc-enabled machine has the agent; an Azure VM carries Azure's chassis asset tag (the check
  # cloud-init uses): both are local facts, no request to 169.254.169.254.
  [[ -x /opt/azcmagent/bin/himds ]] && return 0
  [[ $(cat /sys/class/dmi/id/chassis_asset_tag 2>/dev/null || true) == 7783-7084-3265-9085-8269-3286-77 ]]
}

use_azure=${AAP_USE_AZURE:-}
if [[ -z $use_azure ]]; then
  if azure_identity_configured; then use_azure=1; else use_azure=0; fi
fi

bash scripts/install-deps.sh
# ccache as in test.sh: a second clone on the same machine builds in seconds.
launcher=
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-20G}
  launcher=ccache
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER_LAUNCHER="$launcher" >/dev/null

if [[ $use_azure == 1 ]]; then
  cmake --build build -j"$(nproc)" --target aad-auth-proxy aad-auth-proxy-configurator
  exec build/bin/aad-auth-proxy --config "${CONFIG:-resources/examples/try-it.conf}" "$@"
fi

cmake --build build -j"$(nproc)" --target aad-auth-proxy aad-auth-proxy-emulator
state=$(mktemp -d -t aad-auth-proxy-emulator.XXXXXX)
emulator_pid=""
service_pid=""
cleanup() {
  [[ -n $service_pid ]] && kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null
  [[ -n $emulator_pid ]] && kill "$emulator_pid" 2>/dev/null && wait "$emulator_pid" 2>/dev/null
  rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "No Azure identity found: using aad-auth-proxy-emulator (a development tool, docs/emulator.md)."
build/bin/aad-auth-proxy-emulator --state-dir "$state" --token-lifetime "${AAP_EMULATOR_TOKEN_LIFETIME:-300}" &
emulator_pid=$!
for _ in $(seq 600); do [[ -s $state/emulator.env ]] && break; sleep 0.1; done
[[ -s $state/emulator.env ]] || { echo "run.sh: the emulator did not start" >&2; exit 1; }
# shellcheck source=/dev/null
source "$state/emulator.env"

port=${LISTENING_PORT:-8081}
# The demo's control socket stays in the state directory: an installed service keeps its own.
env -i PATH="$PATH" HOME="${HOME:-/}" \
  AAD_AUTH_PROXY_CONFIG= LISTEN_ADDRESS=127.0.0.1 LISTENING_PORT="$port" \
  TARGET_HOST="$AAP_EMULATOR_UPSTREAM" AUDIENCE="$AAP_EMULATOR_AUDIENCE" IDENTITY_TYPE=systemassigned \
  AZURE_POD_IDENTITY_AUTHORITY_HOST="$AAP_EMULATOR_IMDS" LOG_LEVEL="${LOG_LEVEL:-info}" \
  CONTROL_SOCKET="$state/control.sock" build/bin/aad-auth-proxy "$@" &
service_pid=$!

proxy=http://127.0.0.1:$port
ready=""
# Up to 60 s: the first token is fetched at start-up, which is slow on a busy machine.
for _ in $(seq 600); do
  ready=$(curl -sf --max-time 2 "$proxy/ready" 2>/dev/null) && break
  kill -0 "$service_pid" 2>/dev/null || { echo "run.sh: the service exited" >&2; exit 1; }
  sleep 0.1
done
[[ -n $ready ]] || { echo "run.sh: the service did not become ready" >&2; exit 1; }

echo
echo "== GET $proxy/ready"
echo "$ready"
echo
echo "== POST $proxy/api/v1/write (forwarded to the emulator's token-checking upstream)"
echo "== the upstream's view (it checked the token's signature, audience and expiry; token redacted):"
curl -sS -X POST --data-binary 'sample body' -H 'Content-Type: application/x-protobuf' "$proxy/api/v1/write"
echo
echo "The service keeps running in the foreground on $proxy (Ctrl+C stops it and the emulator)."
echo "Inject a token-service fault: curl -X POST '$AAP_EMULATOR_CONTROL/faults?service=imds&kind=500&count=3'"
wait "$service_pid"
