# syntax=docker/dockerfile:1
# The assistant's one image: Rasa, the action server, the staff console and the
# retention purge, each started by its own command (deploy/compose/compose.yaml,
# deploy/k8s/). It carries one trained model, so an image tag names a release
# of code and model together (docs/deploy.md, "The model"):
#
#   docker build --build-arg MODEL_VERSION=2026.11.29 \
#     --build-arg MODEL_SHA256="$(cut -d' ' -f1 models/2026.11.29.tar.gz.sha256)" \
#     -t registry.example-clinic.org/igrt-assistant:1.0.0-model.2026.11.29 .
#
# The base (Python 3.10, as Rasa 3.6 needs) is pinned by tag: no registry was
# reachable where this was written to read its digest. Pin the digest your
# registry shows (FROM python:...@sha256:..., both stages).

FROM python:3.10.18-slim-bookworm AS build
WORKDIR /app
# The pinned dependencies only: this layer is rebuilt when requirements.lock changes.
COPY requirements.lock ./
RUN python -m venv /app/.venv \
    && /app/.venv/bin/pip install --no-cache-dir --disable-pip-version-check -r requirements.lock

FROM python:3.10.18-slim-bookworm
ARG MODEL_VERSION
ARG MODEL_SHA256
RUN groupadd --system --gid 10001 igrt \
    && useradd --system --uid 10001 --gid igrt --no-create-home --home-dir /tmp \
       --shell /usr/sbin/nologin igrt
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
# What the servers read at run time, named one by one (no tests, widget, docs
# or other models); owned by root, so read-only to the servers.
COPY actions /app/actions
COPY channels /app/channels
COPY components /app/components
COPY console /app/console
COPY data /app/data
COPY knowledge /app/knowledge
COPY scripts /app/scripts
COPY stores /app/stores
COPY config.yml domain.yml credentials.yml /app/
# The model, checked against the digest published with it: a build with another
# file, or none, fails here.
COPY models/${MODEL_VERSION}.tar.gz /app/models/current.tar.gz
RUN test -n "${MODEL_SHA256}" \
    && echo "${MODEL_SHA256}  /app/models/current.tar.gz" | sha256sum --check --strict - \
    && /app/.venv/bin/python -m compileall -q /app/actions /app/channels /app/components \
       /app/console /app/scripts /app/stores
ENV MODEL_VERSION=${MODEL_VERSION} \
    PATH=/app/.venv/bin:${PATH} \
    HOME=/tmp \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1
LABEL org.opencontainers.image.title="igrt-assistant" \
      org.opencontainers.image.description="IGRT patient FAQ assistant (Rasa) with its model" \
      io.igrt-assistant.model-version="${MODEL_VERSION}"
USER 10001:10001
# Rasa's GET / by default; compose sets HEALTHCHECK_URL or its own test for the
# other roles (Kubernetes uses its probes instead).
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python3", "/app/scripts/probe.py"]
ENTRYPOINT ["python3", "/app/scripts/entrypoint.py"]
CMD [".venv/bin/python", "scripts/quiet_start.py", "rasa", "run", "--model", "models/current.tar.gz", \
     "--interface", "0.0.0.0", "--port", "5005", "--credentials", "credentials.yml", \
     "--endpoints", "/config/endpoints.yml", "--cors-from-clinic-origins"]
