#!/usr/bin/env bash
# README command 1: build, then drive `codex app-server` with the bundled example client
# (packages/app-server/examples/demo-client.ts). Local only: temp CODEX_HOME, no API key, no network.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
echo "building (first run takes a little while)..."
pnpm build >/dev/null
node packages/app-server/dist/demo-client.js
node packages/app-server/dist/demo-two-clients.js
