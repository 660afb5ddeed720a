#!/usr/bin/env bash
# Build everything and run every package's tests; ends with a plain "N passed, N failed" line.
# Installs what the tests need from Debian when it can (gnome-keyring for the real-keyring tests,
# bubblewrap for the Linux sandbox); without root those tests skip with a printed reason.
set -uo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
# Tests run the model's commands as `bash -lc`, as Codex does. Where the login shell runs `pyenv rehash` (this
# machine image's ~/.bashrc), a shell killed mid-rehash by an interrupt test leaves pyenv's lock behind: every later
# login shell would wait 60 s for it, or, told to wait less, print a warning into the command's output the tests
# compare. A rehash holds the lock for well under a second (0.3 s at a load of 20 on 2 cores), so a lock 3 s old is
# stale: a watchdog removes it during the run, and login shells wait up to 10 s for that instead of warning.
export PYENV_REHASH_TIMEOUT=10 # (turbo.json passes it through to the test tasks)
pyenv_lock="${PYENV_ROOT:-$HOME/.pyenv}/shims/.pyenv-shim"
clear_stale_pyenv_lock() {
  local changed
  changed="$(stat -c %Y "$pyenv_lock" 2>/dev/null)" || return 0
  [ $(($(date +%s) - changed)) -gt 3 ] && rm -f "$pyenv_lock"
  return 0
}
if [ -d "$(dirname "$pyenv_lock")" ]; then
  (while kill -0 $$ 2>/dev/null; do
    clear_stale_pyenv_lock
    sleep 1
  done) &
fi

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

# The reference programs come from the npm registry into a cache beside the repo; tests that need one skip with a
# reason without it. A download can fail once on a CI machine's network (a reset, a 5xx, an optional platform
# package npm quietly leaves out), so an install counts only once the file the tests use is there, and gets three
# tries with a pause between.
install_ref() { # <dir> <package@version> <file the tests use, relative to dir>
  local try
  for try in 1 2 3; do
    [ -e "$1/$3" ] && return 0
    [ "$try" -gt 1 ] && { echo "test-all: installing $2 failed (try $((try - 1)) of 3); retrying" >&2; sleep $((try * 10)); }
    npm i --prefix "$1" --no-audit --no-fund --silent "$2" >/dev/null 2>&1
  done
  [ -e "$1/$3" ] || { echo "test-all: could not install $2; the tests that need it will skip" >&2; return 1; }
}

# The real Codex 0.58.0 is the reference several tests compare against (schema conformance, CLI output, rollout
# fixtures).
ref_dir=".cache/codex-0.58.0"
install_ref "$ref_dir" @openai/codex@0.58.0 node_modules/.bin/codex \
  && export CODEX_REFERENCE_BIN="$PWD/$ref_dir/node_modules/.bin/codex"

# The native 0.166.0 (the protocol's later generation) for the tests that compare with it; test-support finds it in
# this cache.
if [ "$(uname -sm)" = "Linux x86_64" ]; then
  install_ref .cache/codex-0.166.0 @openai/codex@0.166.0 \
    node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex
fi

# The ACP adapter editors ship (@agentclientprotocol/codex-acp 2.6.0) drives our server in the ACP tests.
acp_dir=".cache/codex-acp-2.6.0"
acp_entry="node_modules/@agentclientprotocol/codex-acp/dist/index.js"
install_ref "$acp_dir" @agentclientprotocol/codex-acp@2.6.0 "$acp_entry" \
  && export CODEX_ACP_ENTRY="$PWD/$acp_dir/$acp_entry"

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
