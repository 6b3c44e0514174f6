#!/usr/bin/env bash
# `make shell`: chat with the assistant in the terminal, beside `make run`.
# It has its own ports (Rasa and action server), so both run at once, and it
# keeps the conversation in memory: a tester's chat never reaches the
# patients' tracker store.
set -euo pipefail
cd "$(dirname "$0")/.."

SHELL_RASA_PORT=${SHELL_RASA_PORT:-5006}
SHELL_ACTION_PORT=${SHELL_ACTION_PORT:-5056}
MODEL=${MODEL:-models/current.tar.gz}

umask 077
mkdir -p var
chmod 700 var
# Our own lines, not a wall of third-party deprecation warnings
# (scripts/quiet_start.py).
export SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2 RASA_TELEMETRY_ENABLED=false
# Passed in the environment, never on a command line.
export ACTION_SERVER_TOKEN=${ACTION_SERVER_TOKEN:-$(.venv/bin/python -c \
  'import secrets; print(secrets.token_urlsafe(32))')}

work=$(mktemp -d "$PWD/var/shell.XXXXXX")
actions=
cleanup() {
  [[ -n $actions ]] && kill "$actions" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# No tracker_store section: Rasa keeps this conversation in memory.
cat > "$work/endpoints.yml" <<YAML
action_endpoint:
  url: "http://127.0.0.1:$SHELL_ACTION_PORT/webhook"
  headers:
    Authorization: Bearer \${ACTION_SERVER_TOKEN}
nlg:
  type: clinic.nlg.ClinicResponses
YAML

.venv/bin/python scripts/quiet_start.py actions.server --host 127.0.0.1 --port "$SHELL_ACTION_PORT" \
  > var/shell-actions.log 2>&1 &
actions=$!
.venv/bin/python scripts/quiet_start.py rasa shell --model "$MODEL" --endpoints "$work/endpoints.yml" \
  --interface 127.0.0.1 --port "$SHELL_RASA_PORT"
