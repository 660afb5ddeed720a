#!/usr/bin/env bash
# Build everything and run every package's tests; ends with a plain "N passed, N failed" line.
# Installs what the tests need from Debian when it can (gnome-keyring for the real-keyring tests,
# bubblewrap for the Linux sandbox); without root those tests skip with a printed reason.
set -uo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
# Tests run the model's commands as `bash -lc`, as Codex does. Where the login shell runs `pyenv rehash` (this
# machine image's ~/.bashrc), a shell killed mid-rehash by an interrupt test leaves pyenv's lock behind, and every
# later login shell would wait 60 s for it: wait at most a second instead.
export PYENV_REHASH_TIMEOUT=1 # (turbo.json passes it through to the test tasks)

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

# The native 0.166.0 (the protocol's later generation) for the client test that drives all three servers; it skips
# with a reason without it. test-support finds it in this cache.
modern_dir=".cache/codex-0.166.0"
if [ ! -d "$modern_dir/node_modules/@openai/codex-linux-x64" ] && [ "$(uname -sm)" = "Linux x86_64" ]; then
  npm i --prefix "$modern_dir" --no-audit --no-fund --silent @openai/codex@0.166.0 >/dev/null 2>&1 \
    || echo "test-all: could not install @openai/codex@0.166.0; the 0.166 client test will skip" >&2
fi

# The ACP adapter editors ship (@agentclientprotocol/codex-acp 2.6.0) drives our server in the ACP test; it skips
# with a printed reason without it.
acp_dir=".cache/codex-acp-2.6.0"
acp_entry="$acp_dir/node_modules/@agentclientprotocol/codex-acp/dist/index.js"
if [ ! -f "$acp_entry" ]; then
  npm i --prefix "$acp_dir" --no-audit --no-fund --silent @agentclientprotocol/codex-acp@2.6.0 >/dev/null 2>&1 \
    || echo "test-all: could not install @agentclientprotocol/codex-acp@2.6.0 (registry unreachable?); the ACP test will skip" >&2
fi
[ -f "$acp_entry" ] && export CODEX_ACP_ENTRY="$PWD/$acp_entry"

# Tests leave the OS temp dir as they found it (each vitest run works in a temp root of its own and removes it):
# what is in it after the run and was not before is reported.
tmp_dir="${TMPDIR:-/tmp}"
tmp_before="$(ls -A "$tmp_dir" 2>/dev/null | sort)"

find packages apps -maxdepth 2 -name .vitest-report.json -delete 2>/dev/null
pnpm build || { echo "0 passed, 1 failed"; exit 1; }
bash scripts/with-keyring.sh pnpm test
status=$?
left="$(comm -13 <(printf '%s\n' "$tmp_before") <(ls -A "$tmp_dir" 2>/dev/null | sort) | grep -v '^$')"
if [ -n "$left" ]; then
  echo "test-all: $(printf '%s\n' "$left" | wc -l) new entries in $tmp_dir after the run (from the tests, or from other processes):" >&2
  printf '%s\n' "$left" | sed 's/^/  /' >&2
else
  echo "test-all: $tmp_dir is as the run found it" >&2
fi
node scripts/summarize-tests.mjs || status=1
exit $status
