#!/usr/bin/env bash
# with-keyring.sh CMD...: run CMD inside a private D-Bus session with a throwaway, unlocked gnome-keyring,
# so keyring tests exercise a real Secret Service without touching a developer's own keyring.
# Where dbus-run-session or gnome-keyring-daemon is missing, CMD runs as is and keyring tests skip.
set -euo pipefail
if ! command -v dbus-run-session >/dev/null 2>&1 || ! command -v gnome-keyring-daemon >/dev/null 2>&1; then
  echo "with-keyring: no dbus-run-session/gnome-keyring-daemon; real-keyring tests will be skipped" >&2
  exec "$@"
fi
KR_HOME="$(mktemp -d)"
trap 'rm -rf "$KR_HOME"' EXIT
mkdir -p "$KR_HOME/share" "$KR_HOME/run" && chmod 700 "$KR_HOME/run"
export KR_HOME
dbus-run-session -- bash -c '
  export XDG_DATA_HOME="$KR_HOME/share" XDG_RUNTIME_DIR="$KR_HOME/run"
  gnome-keyring-daemon --unlock --components=secrets <<<"throwaway-ci-pass" >/dev/null 2>&1
  CODEX_TEST_REAL_KEYRING=1 "$@"' with-keyring "$@"
