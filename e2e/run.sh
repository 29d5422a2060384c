#!/usr/bin/env bash
# make e2e: the bot on the demo backend, the Microsoft 365 Agents Playground in front of it, and headless
# Chromium clicking through the cards as a person would. Installs what it needs (Chromium from Debian's
# packages, the pinned npm packages) and cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v chromium >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
npm ci --silent --no-audit --no-fund

work=$(mktemp -d)
bot_port=3979
playground_port=56151
cleanup() {
  for pid in ${bot_pid:-} ${playground_pid:-}; do kill -- "-$pid" 2>/dev/null || true; done
  [ "${KEEP_E2E_LOGS:-}" ] && echo "logs in $work" || rm -rf "$work"
}
trap cleanup EXIT

PORT=$bot_port BOT_DATA_DIR="$work/data" BOT_DEMO_TICK_SECONDS=0 setsid ../.venv/bin/python ../app.py >"$work/bot.log" 2>&1 &
bot_pid=$!
TEAMSAPPTESTER_BROWSER=none TEAMSAPPTESTER_PORT=$playground_port setsid ./node_modules/.bin/agentsplayground \
  -e "http://127.0.0.1:$bot_port/api/messages" -c msteams >"$work/playground.log" 2>&1 &
playground_pid=$!

for _ in $(seq 1 60); do
  if curl -fs "http://127.0.0.1:$bot_port/healthz" >/dev/null && curl -fs "http://127.0.0.1:$playground_port" >/dev/null; then
    break
  fi
  sleep 0.5
done

PLAYGROUND_URL="http://127.0.0.1:$playground_port" BOT_URL="http://127.0.0.1:$bot_port" SCREENSHOTS="${SCREENSHOTS:-../build/e2e}" \
  node --test --test-concurrency=1 playground.test.mjs
