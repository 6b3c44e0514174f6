#!/usr/bin/env bash
# Starts the action server and the Rasa server (REST channel, no HTTP API);
# Ctrl-C stops both. Ports, endpoints and model can be overridden for tests.
set -euo pipefail
cd "$(dirname "$0")/.."

RASA_PORT=${RASA_PORT:-5005}
ACTION_PORT=${ACTION_PORT:-5055}
ENDPOINTS=${ENDPOINTS:-endpoints.yml}
MODEL=${MODEL:-models/current.tar.gz}
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
  --credentials credentials.yml --endpoints "$ENDPOINTS" &
pids+=($!)

for _ in $(seq 120); do
  if curl -sf "http://localhost:$RASA_PORT/webhooks/rest/" >/dev/null 2>&1 &&
     curl -sf "http://localhost:$ACTION_PORT/health" >/dev/null 2>&1; then
    echo
    echo "IGRT assistant is up."
    echo "  REST channel: POST http://localhost:$RASA_PORT/webhooks/rest/webhook"
    echo '                {"sender": "any-id", "message": "what is igrt"}'
    echo "  Ctrl-C stops both servers."
    break
  fi
  sleep 1
done

# Whichever server stops first takes the other one down with it.
wait -n "${pids[@]}"
