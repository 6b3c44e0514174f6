# `make help` lists the targets; each documents itself after its `##`.
# make run serves a demo clinic page with the chat widget at http://localhost:8000/
#   and the staff console at http://localhost:8001/ (make staff-user makes accounts)
# make check SUITE=file.csv|name - run a suite of checks (non-zero exit on a failure)

.DEFAULT_GOAL := help
PYENV_PYTHON := $(shell pyenv root 2>/dev/null)/versions/3.10.13/bin/python3.10
PYTHON310 ?= $(if $(wildcard $(PYENV_PYTHON)),$(PYENV_PYTHON),python3.10)
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
MODEL := models/current.tar.gz
# Where the model-quality reports go (the console's Model quality page reads them).
REPORTS_DIR ?= reports
# The project's scorer and dev set, beside the checkout (never copied in).
EVAL_DIR ?= ../shared/eval
# What the trained model depends on; the other knowledge/ files are read at run
# time. The triage classifier learns from knowledge/triage/examples_*.yml.
TRAIN_INPUTS := config.yml domain.yml $(wildcard data/*.yml) $(wildcard components/*.py) \
	$(wildcard components/triage/*.py) $(wildcard knowledge/triage/examples_*.yml)

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
# Same data, same model: fixed seeds in config.yml plus these.
export PYTHONHASHSEED := 0
export TF_DETERMINISTIC_OPS := 1
# Bytecode caches are written even where the machine sets PYTHONDONTWRITEBYTECODE:
# pytest keeps its rewritten test modules, and the servers start sooner (make
# test-fast took 46 s without them, 38 s with them, on 2 cores).
export PYTHONDONTWRITEBYTECODE :=

# The browser tests (tests/browser/) drive Debian's chromium: nothing downloads
# a browser at run time. axe-core comes from npm (package-lock.json).
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# The cluster's load balancer (make run-cluster) is Debian's nginx, run as our
# own process with our own configuration, never as the system service.
NGINX := /usr/sbin/nginx

# make deploy-check's tools (checkov, kubernetes-validate, check-jsonschema,
# compose-lint) live in a venv of their own, pinned in deploy/requirements-check.txt,
# so they cannot move the app's pins; Python 3.11, which compose-lint needs.
# kustomize is kubectl's (`kubectl kustomize`, kustomize v5), on the machine image.
PYENV_PYTHON311 := $(shell pyenv root 2>/dev/null)/versions/3.11.7/bin/python3.11
PYTHON311 ?= $(if $(wildcard $(PYENV_PYTHON311)),$(PYENV_PYTHON311),python3.11)
DEPLOY_VENV := .venv-deploy

.PHONY: help install train run shell purge test test-fast lint validate lock clean browser-deps bench nlu-report \
	staff-user check console run-cluster fault-test bench-cluster deploy-check reading-grades score test-prerequisites

help: ## list the targets
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-z-]+:.*## / {printf "  make %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

install: $(VENV)/.installed ## create .venv and install the pinned packages

$(MODEL): $(VENV)/.installed $(TRAIN_INPUTS)
	@mkdir -p models var
	$(RASA) train --fixed-model-name current --out models > var/train.log 2>&1 \
		|| { tail -40 var/train.log; exit 1; }
	@touch $@
	@echo "Trained $(MODEL) (log: var/train.log)"

train: $(MODEL) ## train models/current.tar.gz when its inputs changed

run: train ## install, train when needed, start the assistant and the staff console (Ctrl-C stops it)
	START_CONSOLE=true scripts/run.sh

# The action server wants the secret that endpoints.yml makes Rasa send.
shell: train ## chat in the terminal (works beside make run)
	scripts/shell.sh

# scripts/run.sh also runs it at start and daily.
purge: install ## delete conversations idle for over RETENTION_DAYS (default 30) days
	SQLALCHEMY_SILENCE_UBER_WARNING=1 $(PY) scripts/purge.py

# Staff console accounts: make staff-user NAME=alice ROLE=staff|admin
# (password from STAFF_PASSWORD, or asked for).
staff-user: install ## make a console account: NAME=... ROLE=staff|admin
	@test -n "$(NAME)" || { echo "usage: make staff-user NAME=... ROLE=staff|admin"; exit 2; }
	@mkdir -p var && chmod 700 var
	umask 077; SQLALCHEMY_SILENCE_UBER_WARNING=1 $(PY) -m scripts.staff_user --name "$(NAME)" --role "$(or $(ROLE),staff)"

# A suite of checks against the model, for CI: SUITE is a CSV/XLSX file or the
# name of a suite saved in the console; CANDIDATE=models/x.tar.gz also runs it
# against that model and lists the changed replies. Starts its own action server.
check: train ## run a suite of checks: SUITE=file.csv|name [CANDIDATE=models/x.tar.gz]
	@test -n "$(SUITE)" || { echo "usage: make check SUITE=checks.csv|suite-name [MODEL=...] [CANDIDATE=...]"; exit 2; }
	@mkdir -p var && chmod 700 var
	umask 077; \
	export ACTION_SERVER_TOKEN=$${ACTION_SERVER_TOKEN:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(32))')}; \
	export ACTION_PORT=$${CHECK_ACTION_PORT:-5057} SQLALCHEMY_SILENCE_UBER_WARNING=1; \
	$(PY) -m actions.server --host 127.0.0.1 --port $$ACTION_PORT > var/check-actions.log 2>&1 & \
	trap "kill $$!" EXIT; \
	$(PY) -m scripts.run_checks "$(SUITE)" $(if $(filter command line,$(origin MODEL)),--model "$(MODEL)") \
		$(if $(CANDIDATE),--candidate "$(CANDIDATE)")

# The console alone (make run starts it with everything else); needs the
# action server of make run for the side-effects answers.
console: train ## the staff console alone
	@mkdir -p var && chmod 700 var
	umask 077; SQLALCHEMY_SILENCE_UBER_WARNING=1 $(PY) -m console

lint: install ## ruff check and ruff format --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

validate: install ## rasa data validate
	$(RASA) data validate --domain domain.yml --data data --config config.yml

# One apt at a time (make test installs both in parallel): apt refuses to
# run beside another apt instead of waiting for it.
APT_INSTALL := $(SUDO) flock /tmp/igrt-apt.lock sh -c 'apt-get update && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y $$0'

$(CHROMIUM):
	$(APT_INSTALL) chromium

$(NGINX):
	$(APT_INSTALL) nginx

run-cluster: train $(NGINX) ## the production shape here: nginx on :8080, 2 Rasa, 2 action servers, PostgreSQL, Redis
	scripts/run_cluster.sh

# Bounded (2-3 minutes): nginx on :8080, a private Redis and database, ports 53xx
# (scripts/fault_test.py), Telegram redeliveries included.
fault-test: train $(NGINX) ## load through nginx while replicas, Redis and PostgreSQL fail (2-3 min)
	$(PY) scripts/fault_test.py

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

browser-deps: install $(CHROMIUM) node_modules/.package-lock.json ## install Debian's chromium and axe-core for the browser tests

$(DEPLOY_VENV)/.installed: deploy/requirements-check.txt
	test -x $(DEPLOY_VENV)/bin/python || $(PYTHON311) -m venv $(DEPLOY_VENV)
	$(DEPLOY_VENV)/bin/pip install --quiet --disable-pip-version-check -r deploy/requirements-check.txt
	touch $@

# Without a cluster or Docker (scripts/deploy_check.py): the example overlay
# rendered by kustomize, its objects against the Kubernetes schemas, checkov on
# them and the Dockerfile, the compose file against its schema and compose-lint.
deploy-check: $(DEPLOY_VENV)/.installed ## check deploy/ (k8s schemas, checkov, compose) without a cluster
	$(DEPLOY_VENV)/bin/python scripts/deploy_check.py

# Every test: those that start no server on both cores, then the server tests
# on both cores in groups (tests/conftest.py): the tests of the shared
# assistant, the console's, the browser's, and those that start their own
# servers; each group's tests run one after another in one worker.
# What the tests need is made three jobs at a time: training keeps the cores
# busy while the other jobs mostly wait on the network and the disk.
test: ## lint, validate, deploy-check and every test (what CI runs)
	$(MAKE) --no-print-directory -j3 --output-sync=target test-prerequisites
	$(PY) -m pytest tests -m "not servers" -q -p no:randomly -n 2 --dist loadgroup
	$(PY) -m pytest tests -m servers -p no:randomly -n 2 --dist loadgroup

test-prerequisites: lint validate deploy-check train browser-deps $(NGINX)

# The tests that start no server, on both cores (pytest-xdist), without the
# blind probes and the slow ones: the edit-test loop (make test runs them all).
test-fast: install $(NGINX) ## the tests that start no server, without the blind probe sets or slow ones (the edit-test loop)
	$(PY) -m pytest tests -m "not servers and not probes and not slow" -q -p no:randomly -n 2 --dist loadgroup

# Speed and memory targets, measured (never timed inside unit tests).
# bench-cluster starts the cluster on private ports (scripts/bench_cluster.py).
bench: install bench-cluster ## speed and memory benchmarks (one process and the cluster)
	$(PY) scripts/bench_nlu.py
	$(PY) scripts/bench_action_server.py

bench-cluster: train $(NGINX) ## turn latency, throughput and memory through the cluster
	$(PY) scripts/bench_cluster.py

# Rasa's cross-validation of the NLU (3 folds): per-intent F1, the confusion
# matrix and the confidence histogram under reports/nlu, and a one-line summary.
nlu-report: install ## Rasa's 3-fold cross-validation of the NLU, summarised
	@mkdir -p $(REPORTS_DIR) var
	$(RASA) test nlu --nlu data --config config.yml --cross-validation --folds 3 \
		--out $(REPORTS_DIR)/nlu > var/nlu-report.log 2>&1 || { tail -c 3000 var/nlu-report.log; exit 1; }
	@$(PY) scripts/nlu_report_summary.py $(REPORTS_DIR)/nlu

# The Flesch-Kincaid grade of every response in domain.yml (clinic.yml's
# settings filled in), against grade 8, for the console's Model quality page.
reading-grades: install ## reading grade of every response, into reports/quality/
	$(PY) -m console.quality grades --out $(REPORTS_DIR)/quality/reading_grades.json

# The dev-set score of the running assistant (make run in another terminal; or
# SCORE_URL=...), kept in reports/dev_score.json for the Model quality page.
# Only the scorer's summary line is kept: its output may quote the dev set.
SCORE_URL ?= http://localhost:5005
score: install ## dev-set score of the running assistant, saved for the console
	$(PY) -m console.quality score --url $(SCORE_URL) --eval-dir $(EVAL_DIR) \
		--model $(MODEL) --out $(REPORTS_DIR)/dev_score.json

lock: install ## pin every installed package into requirements.lock
	{ echo '# Every package, pinned: generated from requirements.in with `make lock`.'; \
	  $(VENV)/bin/pip freeze --exclude-editable | grep -v '^pkg.resources'; } > requirements.lock

clean: ## remove models, caches and the training log
	rm -rf models var/train.log .pytest_cache .ruff_cache
