#!/usr/bin/env bash
# `make run-cluster`: the assistant the way production runs it, on this machine.
# nginx (load balancer and static server, http://localhost:8080), two Rasa
# replicas, two action servers, the PostgreSQL tracker store (its own database,
# created if missing), the Redis lock store and reply cache, under supervisord
# (deploy/cluster-processes.conf). Every setting comes from an environment
# variable; the defaults are below and in the README ("Production").
# Ctrl-C (SIGINT to the process group) stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

# As scripts/run.sh: supervisord reopens /dev/stdout, which appends to a file.
if [[ -f /dev/stdout ]]; then exec >>/dev/stdout; fi
if [[ -f /dev/stderr ]]; then exec 2>>/dev/stderr; fi

# --- settings ---------------------------------------------------------------------
# nginx, the only public listener.
CLUSTER_HOST=${CLUSTER_HOST:-127.0.0.1}
CLUSTER_PORT=${CLUSTER_PORT:-8080}
CLUSTER_PUBLIC_URL=${CLUSTER_PUBLIC_URL:-http://localhost:$CLUSTER_PORT}
# Replicas, action servers and nginx's internal action-server port listen here.
CLUSTER_INTERNAL_HOST=${CLUSTER_INTERNAL_HOST:-127.0.0.1}
RASA_PORT_1=${RASA_PORT_1:-5301}
RASA_PORT_2=${RASA_PORT_2:-5302}
ACTION_PORT_1=${ACTION_PORT_1:-5311}
ACTION_PORT_2=${ACTION_PORT_2:-5312}
ACTIONS_LB_PORT=${ACTIONS_LB_PORT:-5320}
# Conversations: PostgreSQL, a database of its own.
POSTGRES_HOST=${POSTGRES_HOST:-127.0.0.1}
POSTGRES_PORT=${POSTGRES_PORT:-5432}
POSTGRES_USER=${POSTGRES_USER:-postgres}
POSTGRES_PASSWORD=${POSTGRES_PASSWORD:-}
POSTGRES_DB=${POSTGRES_DB:-igrt_cluster}
# Conversation locks (one turn at a time per conversation across replicas) and
# the reply cache of retried messages.
REDIS_HOST=${REDIS_HOST:-127.0.0.1}
REDIS_PORT=${REDIS_PORT:-6379}
REDIS_DB=${REDIS_DB:-0}
REDIS_PASSWORD=${REDIS_PASSWORD:-}
REPLY_CACHE_TTL_SECONDS=${REPLY_CACHE_TTL_SECONDS:-3600}
# A replica killed mid-turn leaves its conversation's lock ticket behind; the
# next message waits at most this long for it (Rasa's default is 60 s, past the
# widget's 30 s). Above the longest turn: actions time out after 5 s.
TICKET_LOCK_LIFETIME=${TICKET_LOCK_LIFETIME:-20}
ACTION_TIMEOUT_SECONDS=${ACTION_TIMEOUT_SECONDS:-5}
CREDENTIALS=${CREDENTIALS:-credentials.yml}
MODEL=${MODEL:-models/current.tar.gz}
RETENTION_DAYS=${RETENTION_DAYS:-30}
# Pages allowed to call the REST channel from a browser (CORS): clinic.yml's
# origins unless set; the demo page is served from the same origin.
CLINIC_ORIGINS=${CLINIC_ORIGINS:-$(.venv/bin/python -m clinic origins)}
CLINIC_ORIGINS=${CLINIC_ORIGINS:-$CLUSTER_PUBLIC_URL}
read -r -a cors_origins <<< "${CLINIC_ORIGINS//,/ }"
RASA_CORS=${cors_origins[*]}
# Secrets: shared by every replica, passed in the environment only.
ACTION_SERVER_TOKEN=${ACTION_SERVER_TOKEN:-$(.venv/bin/python -c \
  'import secrets; print(secrets.token_urlsafe(32))')}

umask 077
mkdir -p var
chmod 700 var
if [[ -z ${SENDER_ID_KEY:-} ]]; then
  [[ -s var/sender_id.key ]] || .venv/bin/python -c \
    'import secrets; print(secrets.token_hex(32))' > var/sender_id.key
  SENDER_ID_KEY=$(< var/sender_id.key)
fi
# The password goes into URLs percent-encoded (a / @ or # would break them),
# through the environment, never on a command line.
redis_auth=
if [[ -n $REDIS_PASSWORD ]]; then
  redis_auth=":$(REDIS_PASSWORD=$REDIS_PASSWORD .venv/bin/python -c \
    'import os, urllib.parse; print(urllib.parse.quote(os.environ["REDIS_PASSWORD"], safe=""))')@"
fi
REPLY_CACHE_REDIS_URL=${REPLY_CACHE_REDIS_URL:-redis://$redis_auth$REDIS_HOST:$REDIS_PORT/$REDIS_DB}
# The messaging channels' shared state (redelivered webhooks, docs/messaging.md).
CHANNELS_REDIS_URL=${CHANNELS_REDIS_URL:-redis://$redis_auth$REDIS_HOST:$REDIS_PORT/$REDIS_DB}
RASA_PORTS="$RASA_PORT_1 $RASA_PORT_2"
ACTION_PORTS="$ACTION_PORT_1 $ACTION_PORT_2"

supervisor=
mkdir -p var/cluster
RUN_DIR=$(mktemp -d "$PWD/var/cluster/run.XXXXXX")
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

export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1 \
  CLUSTER_HOST CLUSTER_PORT CLUSTER_PUBLIC_URL CLUSTER_INTERNAL_HOST RASA_PORT_1 RASA_PORT_2 \
  ACTION_PORT_1 ACTION_PORT_2 ACTIONS_LB_PORT RASA_PORTS ACTION_PORTS POSTGRES_HOST \
  POSTGRES_PORT POSTGRES_USER POSTGRES_PASSWORD POSTGRES_DB REDIS_HOST REDIS_PORT REDIS_DB \
  REDIS_PASSWORD REPLY_CACHE_REDIS_URL CHANNELS_REDIS_URL REPLY_CACHE_TTL_SECONDS TICKET_LOCK_LIFETIME \
  ACTION_TIMEOUT_SECONDS CREDENTIALS MODEL RETENTION_DAYS RASA_CORS ACTION_SERVER_TOKEN \
  SENDER_ID_KEY RUN_DIR

.venv/bin/python scripts/ensure_database.py
.venv/bin/python scripts/cluster_config.py "$RUN_DIR"
/usr/sbin/nginx -t -q -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx/nginx.conf"

.venv/bin/python scripts/cluster_processes.py --configuration deploy/cluster-processes.conf &
supervisor=$!

url="http://$CLUSTER_HOST:$CLUSTER_PORT"
[[ $CLUSTER_HOST == 0.0.0.0 ]] && url="http://127.0.0.1:$CLUSTER_PORT"
up=false
for _ in $(seq 180); do
  kill -0 "$supervisor" 2>/dev/null || exit 1
  ready=0
  for port in $RASA_PORTS; do
    curl -sf "http://$CLUSTER_INTERNAL_HOST:$port/ready" >/dev/null 2>&1 && ready=$((ready + 1))
  done
  if ((ready == 2)) && curl -sf "$url/" >/dev/null 2>&1; then
    echo
    echo "IGRT assistant cluster is up: nginx on $CLUSTER_HOST:$CLUSTER_PORT."
    echo "  Demo clinic page with the chat widget: $CLUSTER_PUBLIC_URL/"
    echo "  REST channel: POST $CLUSTER_PUBLIC_URL/webhooks/rest/webhook"
    echo "  Rasa replicas :$RASA_PORT_1 :$RASA_PORT_2, action servers :$ACTION_PORT_1 :$ACTION_PORT_2"
    echo "  Conversations: PostgreSQL $POSTGRES_HOST:$POSTGRES_PORT/$POSTGRES_DB;" \
      "locks and reply cache: Redis $REDIS_HOST:$REDIS_PORT/$REDIS_DB"
    echo "  A server that stops is started again. Ctrl-C stops everything."
    up=true
    break
  fi
  sleep 1
done
$up || echo "Not every replica is ready after 180 s: supervisord's lines above say why."

wait "$supervisor"
