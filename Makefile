# make run   - install, train when needed, start the assistant (Ctrl-C stops it)
# make test  - lint, validate, and every test (what CI runs), browser tests included
# make shell - chat in the terminal
# make purge - delete conversations idle for over RETENTION_DAYS (default 30) days
# make run serves a demo clinic page with the chat widget at http://localhost:8000/
# make run-cluster - the production shape on this machine: nginx on :8080, two Rasa
#                    replicas, two action servers, PostgreSQL, Redis (README "Production")
# make fault-test  - 16 patients for 60 s through nginx while replicas, an action
#                    server, Redis and PostgreSQL fail; counts replies and events

PYENV_PYTHON := $(shell pyenv root 2>/dev/null)/versions/3.10.13/bin/python3.10
PYTHON310 ?= $(if $(wildcard $(PYENV_PYTHON)),$(PYENV_PYTHON),python3.10)
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
MODEL := models/current.tar.gz
# What the trained model depends on; the other knowledge/ files are read at run
# time. The triage classifier learns from knowledge/triage/examples_*.yml.
TRAIN_INPUTS := config.yml domain.yml $(wildcard data/*.yml) $(wildcard components/*.py) \
	$(wildcard components/triage/*.py) $(wildcard knowledge/triage/examples_*.yml)

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
# Same data, same model: fixed seeds in config.yml plus these.
export PYTHONHASHSEED := 0
export TF_DETERMINISTIC_OPS := 1

# The browser tests (tests/browser/) drive Debian's chromium: nothing downloads
# a browser at run time. axe-core comes from npm (package-lock.json).
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# The cluster's load balancer (make run-cluster) is Debian's nginx, run as our
# own process with our own configuration, never as the system service.
NGINX := /usr/sbin/nginx

.PHONY: install train run shell purge test test-fast lint validate lock clean browser-deps bench nlu-report \
	run-cluster fault-test bench-cluster

$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

install: $(VENV)/.installed

$(MODEL): $(VENV)/.installed $(TRAIN_INPUTS)
	@mkdir -p models var
	$(RASA) train --fixed-model-name current --out models > var/train.log 2>&1 \
		|| { tail -40 var/train.log; exit 1; }
	@touch $@
	@echo "Trained $(MODEL) (log: var/train.log)"

train: $(MODEL)

run: train
	scripts/run.sh

# The action server wants the secret that endpoints.yml makes Rasa send.
shell: train
	@mkdir -p var && chmod 700 var
	umask 077; \
	export ACTION_SERVER_TOKEN=$${ACTION_SERVER_TOKEN:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(32))')}; \
	$(PY) -m actions.server > var/actions.log 2>&1 & \
	trap "kill $$!" EXIT; \
	$(RASA) shell --model $(MODEL) --endpoints endpoints.yml --interface 127.0.0.1

# scripts/run.sh also runs it at start and daily.
purge: install
	SQLALCHEMY_SILENCE_UBER_WARNING=1 $(PY) scripts/purge.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

validate: install
	$(RASA) data validate --domain domain.yml --data data --config config.yml

$(CHROMIUM):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium

$(NGINX):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y nginx

run-cluster: train $(NGINX)
	scripts/run_cluster.sh

# Bounded (2-3 minutes): nginx on :8080, a private Redis and database, ports 53xx
# (scripts/fault_test.py). FAULT_TELEGRAM_REDELIVER=1 adds Telegram redeliveries.
fault-test: train $(NGINX)
	$(PY) scripts/fault_test.py

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

browser-deps: install $(CHROMIUM) node_modules/.package-lock.json

test: lint validate train browser-deps
	$(PY) -m pytest tests

# The tests that start no server: for the edit-test loop (make test runs all).
test-fast: install
	$(PY) -m pytest tests -m "not servers" -q -p no:randomly

# Speed and memory targets, measured (never timed inside unit tests).
# bench-cluster starts the cluster on private ports (scripts/bench_cluster.py).
bench: install bench-cluster
	$(PY) scripts/bench_nlu.py

bench-cluster: train $(NGINX)
	$(PY) scripts/bench_cluster.py

# Rasa's cross-validation of the NLU (3 folds): per-intent F1, the confusion
# matrix and the confidence histogram under reports/nlu, and a one-line summary.
nlu-report: install
	@mkdir -p reports var
	$(RASA) test nlu --nlu data --config config.yml --cross-validation --folds 3 \
		--out reports/nlu > var/nlu-report.log 2>&1 || { tail -c 3000 var/nlu-report.log; exit 1; }
	@$(PY) scripts/nlu_report_summary.py reports/nlu

lock: install
	{ echo '# Every package, pinned: generated from requirements.in with `make lock`.'; \
	  $(VENV)/bin/pip freeze --exclude-editable | grep -v '^pkg.resources'; } > requirements.lock

clean:
	rm -rf models var/train.log .pytest_cache .ruff_cache
