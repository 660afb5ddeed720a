#!/usr/bin/env bash
# README command 1: build and run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
pnpm build >/dev/null
node apps/cli/dist/main.js --help
