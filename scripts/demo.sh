#!/usr/bin/env bash
# `make demo`: start the bundled emulator on a free loopback port, then plan, apply and plan
# again the demo stack. The second plan must say there is nothing to do.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin/stream-iac
LOG=$(mktemp)
"$BIN" emulator --port 0 --api-key demo-key --api-secret demo-secret >"$LOG" 2>&1 &
EMU=$!
trap 'kill $EMU 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 100); do
  URL=$(grep -o 'http://[0-9.:]*' "$LOG" || true)
  [ -n "$URL" ] && break
  sleep 0.1
done
[ -n "$URL" ] || { echo "emulator did not start:"; cat "$LOG"; exit 1; }
export STREAM_BASE_URL="$URL" STREAM_API_KEY=demo-key STREAM_API_SECRET=demo-secret
export DEMO_APN_P8="-----BEGIN PRIVATE KEY-----demo-only-----END PRIVATE KEY-----"
echo "== emulator at $URL"
echo "== stream-iac validate examples/stacks/demo"
"$BIN" validate examples/stacks/demo
echo; echo "== stream-iac plan examples/stacks/demo"
"$BIN" plan examples/stacks/demo
echo; echo "== stream-iac apply --auto-approve examples/stacks/demo"
"$BIN" apply --auto-approve examples/stacks/demo
echo; echo "== stream-iac plan examples/stacks/demo (again: nothing left to do)"
"$BIN" plan --detailed-exitcode examples/stacks/demo
