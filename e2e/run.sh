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
# The overview tab: a second bot with an app id (tab sign-in needs one) and each person's GDAP customers,
# a stand-in Teams host and Entra.
tab_bot_port=3980
tab_host_port=56152
entra_port=56153
tab_app_id=5f1c2a6e-7d2b-4c44-9a51-0c6f6d1e2a33
cleanup() {
  for pid in ${bot_pid:-} ${playground_pid:-} ${tab_bot_pid:-} ${tab_host_pid:-}; do kill -- "-$pid" 2>/dev/null || true; done
  [ "${KEEP_E2E_LOGS:-}" ] && echo "logs in $work" || rm -rf "$work"
}
trap cleanup EXIT

PORT=$bot_port BOT_DATA_DIR="$work/data" BOT_DEMO_TICK_SECONDS=0 setsid ../.venv/bin/python ../app.py >"$work/bot.log" 2>&1 &
bot_pid=$!
TEAMSAPPTESTER_BROWSER=none TEAMSAPPTESTER_PORT=$playground_port setsid ./node_modules/.bin/agentsplayground \
  -e "http://127.0.0.1:$bot_port/api/messages" -c msteams >"$work/playground.log" 2>&1 &
playground_pid=$!

PYTHONPATH=.. setsid ../.venv/bin/python tab_host.py --work "$work/tab" --host-port $tab_host_port \
  --entra-port $entra_port --bot-url "http://127.0.0.1:$tab_bot_port" --app-id $tab_app_id >"$work/tab_host.log" 2>&1 &
tab_host_pid=$!
for _ in $(seq 1 60); do [ -s "$work/tab/ca.pem" ] && break; sleep 0.5; done
partner_tenant=$(../.venv/bin/python -c 'import sys; sys.path.insert(0, ".."); from chatclient.people import find_person; print(find_person("ana").tenant_id)')
PORT=$tab_bot_port BOT_DATA_DIR="$work/tab-data" BOT_DEMO_TICK_SECONDS=0 NOTIFY_TOKEN=e2e-tick BOT_ACCESS=gdap \
  MicrosoftAppId=$tab_app_id MicrosoftAppPassword=e2e-unused MicrosoftAppTenantId="$partner_tenant" \
  AZURE_AUTHORITY_HOST="https://127.0.0.1:$entra_port" SSL_CERT_FILE="$work/tab/ca.pem" \
  BOT_TAB_HOST_ORIGINS="http://127.0.0.1:$tab_host_port" BOT_TAB_POLL_SECONDS=1 BOT_TAB_BOARD_SECONDS=0.8 \
  setsid ../.venv/bin/python ../app.py >"$work/tab_bot.log" 2>&1 &
tab_bot_pid=$!

for _ in $(seq 1 60); do
  if curl -fs "http://127.0.0.1:$bot_port/healthz" >/dev/null && curl -fs "http://127.0.0.1:$playground_port" >/dev/null \
    && curl -fs "http://127.0.0.1:$tab_bot_port/healthz" >/dev/null; then
    break
  fi
  sleep 0.5
done

PLAYGROUND_URL="http://127.0.0.1:$playground_port" BOT_URL="http://127.0.0.1:$bot_port" SCREENSHOTS="${SCREENSHOTS:-../build/e2e}" \
  TAB_BOT_URL="http://127.0.0.1:$tab_bot_port" TAB_HOST_URL="http://127.0.0.1:$tab_host_port" TICK_TOKEN=e2e-tick \
  node --test --test-concurrency=1 ${E2E_TESTS:-playground.test.mjs tab.test.mjs}
