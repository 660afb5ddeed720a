#!/usr/bin/env bash
# Build everything and run every package's tests; ends with a plain "N passed, N failed" line.
# Installs what the tests need from Debian when it can (gnome-keyring for the real-keyring tests,
# bubblewrap for the Linux sandbox); without root those tests skip with a printed reason.
set -uo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1

need=()
command -v gnome-keyring-daemon >/dev/null 2>&1 || need+=(gnome-keyring)
command -v dbus-run-session >/dev/null 2>&1 || need+=(dbus)
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v git >/dev/null 2>&1 || need+=(git)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-all: installing ${need[*]}" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}") >/dev/null 2>&1 \
      || echo "test-all: could not install ${need[*]}; dependent tests will skip" >&2
  else
    echo "test-all: missing ${need[*]} and not root; dependent tests will skip" >&2
  fi
fi

# The real Codex 0.58.0 is the reference several tests compare against (schema conformance, CLI output, rollout
# fixtures). It comes from the npm registry into a cache beside the repo; tests skip with a reason without it.
ref_dir=".cache/codex-0.58.0"
if [ ! -x "$ref_dir/node_modules/.bin/codex" ]; then
  npm i --prefix "$ref_dir" --no-audit --no-fund --silent @openai/codex@0.58.0 >/dev/null 2>&1 \
    || echo "test-all: could not install @openai/codex@0.58.0; reference comparisons will skip" >&2
fi
[ -x "$ref_dir/node_modules/.bin/codex" ] && export CODEX_REFERENCE_BIN="$PWD/$ref_dir/node_modules/.bin/codex"

# The 0.166 generation is checked against codex 0.166.0 and driven by the ACP adapter editors ship
# (@agentclientprotocol/codex-acp 2.6.0); both come from the npm registry into the same cache. Without them the
# ACP test and the 0.166.0 comparisons skip with a printed reason.
ref166_dir=".cache/codex-0.166.0"
if [ ! -x "$ref166_dir/node_modules/.bin/codex" ]; then
  npm i --prefix "$ref166_dir" --no-audit --no-fund --silent @openai/codex@0.166.0 >/dev/null 2>&1 \
    || echo "test-all: could not install @openai/codex@0.166.0 (registry unreachable?); 0.166.0 comparisons will skip" >&2
fi
[ -x "$ref166_dir/node_modules/.bin/codex" ] && export CODEX_0166_BIN="$PWD/$ref166_dir/node_modules/.bin/codex"
acp_dir=".cache/codex-acp-2.6.0"
acp_entry="$acp_dir/node_modules/@agentclientprotocol/codex-acp/dist/index.js"
if [ ! -f "$acp_entry" ]; then
  npm i --prefix "$acp_dir" --no-audit --no-fund --silent @agentclientprotocol/codex-acp@2.6.0 >/dev/null 2>&1 \
    || echo "test-all: could not install @agentclientprotocol/codex-acp@2.6.0 (registry unreachable?); the ACP test will skip" >&2
fi
[ -f "$acp_entry" ] && export CODEX_ACP_ENTRY="$PWD/$acp_entry"

find packages apps -maxdepth 2 -name .vitest-report.json -delete 2>/dev/null
pnpm build || { echo "0 passed, 1 failed"; exit 1; }
bash scripts/with-keyring.sh pnpm test
status=$?
node scripts/summarize-tests.mjs || status=1
exit $status
