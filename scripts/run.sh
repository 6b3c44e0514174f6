#!/usr/bin/env bash
# Starts the action server, the Rasa server (REST channel, no HTTP API) and the
# static server for the chat widget and its demo clinic page; Ctrl-C stops all
# three. Ports, endpoints, model and allowed origins can be overridden for tests.
set -euo pipefail
cd "$(dirname "$0")/.."

RASA_PORT=${RASA_PORT:-5005}
ACTION_PORT=${ACTION_PORT:-5055}
WIDGET_PORT=${WIDGET_PORT:-8000}
WIDGET_HOST=${WIDGET_HOST:-127.0.0.1}
ENDPOINTS=${ENDPOINTS:-endpoints.yml}
CREDENTIALS=${CREDENTIALS:-credentials.yml}
MODEL=${MODEL:-models/current.tar.gz}
# The Rasa URL as the browser sees it (the demo page and its CSP use it).
RASA_PUBLIC_URL=${RASA_PUBLIC_URL:-http://localhost:$RASA_PORT}
# Web pages allowed to call the REST channel from a browser (CORS), separated by
# spaces or commas: the clinic site(s) embedding the widget. Default: the demo page.
CLINIC_ORIGINS=${CLINIC_ORIGINS:-http://localhost:$WIDGET_PORT}
read -r -a cors_origins <<< "${CLINIC_ORIGINS//,/ }"
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2
mkdir -p var

pids=()
stop() {
  trap - INT TERM EXIT
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

.venv/bin/rasa run actions --actions actions --port "$ACTION_PORT" &
pids+=($!)
.venv/bin/rasa run --model "$MODEL" --port "$RASA_PORT" \
  --credentials "$CREDENTIALS" --endpoints "$ENDPOINTS" \
  --cors "${cors_origins[@]}" &
pids+=($!)
.venv/bin/python scripts/serve_widget.py --host "$WIDGET_HOST" --port "$WIDGET_PORT" \
  --rasa-url "$RASA_PUBLIC_URL" &
pids+=($!)

for _ in $(seq 120); do
  if curl -sf "http://localhost:$RASA_PORT/webhooks/rest/" >/dev/null 2>&1 &&
     curl -sf "http://localhost:$ACTION_PORT/health" >/dev/null 2>&1 &&
     curl -sf "http://localhost:$WIDGET_PORT/" >/dev/null 2>&1; then
    echo
    echo "IGRT assistant is up."
    echo "  Demo clinic page with the chat widget: http://localhost:$WIDGET_PORT/"
    echo "  REST channel: POST http://localhost:$RASA_PORT/webhooks/rest/webhook"
    echo '                {"sender": "<random id, e.g. a UUID>", "message": "what is igrt"}'
    echo '                (Content-Type: application/json)'
    echo "  Browser pages allowed to call it (CORS): ${cors_origins[*]}"
    echo "  Ctrl-C stops all three servers."
    break
  fi
  sleep 1
done

# Whichever server stops first takes the others down with it.
wait -n "${pids[@]}"
