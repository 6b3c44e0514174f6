#!/usr/bin/env bash
# Starts the action server, the Rasa server (REST channel, no HTTP API), the
# static server for the chat widget and its demo clinic page, and the daily
# retention purge under supervisord (supervisord.conf), which starts again any
# of them that stops. Ctrl-C (SIGINT to the process group) stops everything.
# Ports, endpoints, model, allowed origins and the address can be overridden.
set -euo pipefail
cd "$(dirname "$0")/.."

# supervisord writes the servers' output by opening /dev/stdout again, which
# appends to a regular file: append here too, or the writers overwrite each other.
if [[ -f /dev/stdout ]]; then exec >>/dev/stdout; fi
if [[ -f /dev/stderr ]]; then exec 2>>/dev/stderr; fi

RASA_PORT=${RASA_PORT:-5005}
ACTION_PORT=${ACTION_PORT:-5055}
WIDGET_PORT=${WIDGET_PORT:-8000}
# The staff console (console/settings.py reads the CONSOLE_* variables):
# `make run` sets START_CONSOLE=true; off by default so that the tests that
# start the patient-facing servers through this script do not load it too.
START_CONSOLE=${START_CONSOLE:-false}
CONSOLE_PORT=${CONSOLE_PORT:-8001}
# Every server listens on this machine only unless told otherwise (put a TLS
# reverse proxy in front to reach the assistant from elsewhere).
BIND_HOST=${BIND_HOST:-127.0.0.1}
WIDGET_HOST=${WIDGET_HOST:-$BIND_HOST}
CONSOLE_HOST=${CONSOLE_HOST:-$BIND_HOST}
ENDPOINTS=${ENDPOINTS:-endpoints.yml}
CREDENTIALS=${CREDENTIALS:-credentials.yml}
MODEL=${MODEL:-models/current.tar.gz}
# Conversations idle for longer are deleted at start and daily (scripts/purge.py).
RETENTION_DAYS=${RETENTION_DAYS:-30}
# The Rasa URL as the browser sees it (the demo page and its CSP use it).
RASA_PUBLIC_URL=${RASA_PUBLIC_URL:-http://localhost:$RASA_PORT}
# Web pages allowed to call the REST channel from a browser (CORS), separated by
# spaces or commas: the clinic site(s) embedding the widget. Default: the
# origins of clinic.yml (read at each start), else the demo page.
CLINIC_ORIGINS=${CLINIC_ORIGINS:-$(.venv/bin/python -m clinic origins)}
CLINIC_ORIGINS=${CLINIC_ORIGINS:-http://localhost:$WIDGET_PORT}
read -r -a cors_origins <<< "${CLINIC_ORIGINS//,/ }"
RASA_CORS=${cors_origins[*]}
# The secret Rasa sends to the action server (actions/server.py); a new one per
# start unless given. Passed in the environment, never on a command line.
ACTION_SERVER_TOKEN=${ACTION_SERVER_TOKEN:-$(.venv/bin/python -c \
  'import secrets; print(secrets.token_urlsafe(32))')}

# Conversations and logs are for this user only: new files 0600, var/ 0700
# (which alone closes what is inside); files from before are closed too, best
# effort, as another start may be removing its own files meanwhile.
umask 077
mkdir -p var
chmod 700 var
chmod -R go-rwx var 2>/dev/null || true
# The key that turns the REST channel's sender ids into pseudonyms before they
# are stored (channels/rest.py). It must outlive a restart, or conversations
# would not: kept in var/ (0600) unless given; replicas share it through the
# environment.
if [[ -z ${SENDER_ID_KEY:-} ]]; then
  [[ -s var/sender_id.key ]] || .venv/bin/python -c \
    'import secrets; print(secrets.token_hex(32))' > var/sender_id.key
  SENDER_ID_KEY=$(< var/sender_id.key)
fi
supervisor=
RUN_DIR=$(mktemp -d "$PWD/var/run.XXXXXX")
stop() {
  if [[ -n $supervisor ]]; then
    kill -TERM "$supervisor" 2>/dev/null || true
    wait "$supervisor" 2>/dev/null || true
  fi
  rm -rf "$RUN_DIR"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Rasa reads a copy of the endpoints that sends the token (placeholder only).
RASA_ENDPOINTS=$RUN_DIR/endpoints.yml
.venv/bin/python scripts/endpoints_with_token.py "$ENDPOINTS" "$RASA_ENDPOINTS"

# Our own lines, not a wall of third-party deprecation warnings (the servers
# start through scripts/quiet_start.py; SQLAlchemy's 2.0 notice is one too).
export SQLALCHEMY_SILENCE_UBER_WARNING=1
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 RASA_PORT ACTION_PORT \
  WIDGET_PORT BIND_HOST WIDGET_HOST ENDPOINTS CREDENTIALS MODEL RETENTION_DAYS \
  RASA_PUBLIC_URL RASA_CORS ACTION_SERVER_TOKEN RUN_DIR RASA_ENDPOINTS SENDER_ID_KEY \
  START_CONSOLE CONSOLE_PORT CONSOLE_HOST

.venv/bin/supervisord --configuration supervisord.conf &
supervisor=$!

# Where to probe a server listening on $1 (any address: loopback).
probe_host() {
  case $1 in 0.0.0.0 | ::) echo 127.0.0.1 ;; *) echo "$1" ;; esac
}
rasa_url="http://$(probe_host "$BIND_HOST"):$RASA_PORT"
actions_url="http://$(probe_host "$BIND_HOST"):$ACTION_PORT"
widget_url="http://$(probe_host "$WIDGET_HOST"):$WIDGET_PORT"
console_url="http://$(probe_host "$CONSOLE_HOST"):$CONSOLE_PORT"

up=false
for _ in $(seq 120); do
  kill -0 "$supervisor" 2>/dev/null || exit 1
  if curl -sf "$rasa_url/webhooks/rest/" >/dev/null 2>&1 &&
     curl -sf "$actions_url/health" >/dev/null 2>&1 &&
     curl -sf "$widget_url/" >/dev/null 2>&1 &&
     { [[ $START_CONSOLE != true ]] || curl -sf "$console_url/health" >/dev/null 2>&1; }; then
    echo
    echo "IGRT assistant is up (listening on $BIND_HOST)."
    echo "  Demo clinic page with the chat widget: http://localhost:$WIDGET_PORT/"
    echo "  REST channel: POST http://localhost:$RASA_PORT/webhooks/rest/webhook"
    echo '                {"sender": "<random id, e.g. a UUID>", "message": "what is igrt"}'
    echo '                (Content-Type: application/json)'
    if [[ $START_CONSOLE == true ]]; then
      echo "  Staff console (sign-in; make staff-user makes accounts): http://localhost:$CONSOLE_PORT/"
    fi
    echo "  Browser pages allowed to call it (CORS): ${cors_origins[*]}"
    echo "  Conversations idle for over $RETENTION_DAYS days are deleted daily."
    echo "  A server that stops is started again. Ctrl-C stops everything."
    up=true
    break
  fi
  sleep 1
done
$up || echo "Not every server answers after 120 s: supervisord's lines above say why."

wait "$supervisor"
