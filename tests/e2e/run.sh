#!/usr/bin/env bash
# Runs the browser tests of the web map (the demo's picture and alarms; the
# land drawn as the engine judges it; the own-ship and stations panels;
# history playback and exports; the vessel table, layers, units and alarm
# sound);
# installs what is missing first.
#   tests/e2e/run.sh            (from anywhere; exit code 0 = pass)
# Environment: FINISTERRA_BIN (default target/debug/finisterra, built when
# missing), CHROMIUM (default /usr/bin/chromium).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

chromium="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "e2e: installing chromium (apt)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  else
    echo "e2e: no Chromium at $chromium: apt-get install chromium, or set CHROMIUM" >&2
    exit 1
  fi
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "e2e: node and npm are needed (Node 20 or later)" >&2
  exit 1
fi
if [ ! -d "$here/node_modules/playwright-core" ]; then
  echo "e2e: npm ci (playwright-core; no browser is downloaded)"
  (cd "$here" && npm ci --no-audit --no-fund)
fi

bin="${FINISTERRA_BIN:-target/debug/finisterra}"
if [ -z "${FINISTERRA_BIN:-}" ]; then
  # Always rebuild the debug binary: the web assets are compiled into it
  # (incremental, seconds when nothing changed).
  echo "e2e: cargo build -p finisterra-cli"
  cargo build -q -p finisterra-cli
elif [ ! -x "$bin" ]; then
  echo "e2e: FINISTERRA_BIN=$bin is not an executable" >&2
  exit 1
fi

export FINISTERRA_BIN="$bin" CHROMIUM="$chromium"
node "$here/format.test.mjs"
node "$here/map.test.mjs"
node "$here/land.test.mjs"
node "$here/own_ship.test.mjs"
node "$here/playback.test.mjs"
exec node "$here/table.test.mjs"
