# make run   - set up (first time), train if needed, start the assistant
# make chat  - chat in the terminal with the running assistant (second terminal)
# make test  - everything CI checks
# make test-fast - the tests that need no model, server or browser (under a minute)
# make lint  - ruff (format and lint) and mypy, as make test runs them
# make scale-out - two Rasa replicas on PostgreSQL + Redis (docs/deployment.md)
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: setup train run scale-out chat lint test test-fast bench lock clean

setup:
	@scripts/setup-venv "$(VENV)"

train: setup
	$(BIN)/promisebot train

# RUN_ARGS: options for `promisebot run` (ports, --log-dir; `promisebot run --help`).
run: train
	$(BIN)/promisebot run $(RUN_ARGS)

# Two Rasa replicas sharing a PostgreSQL tracker store and a Redis lock store, each started
# fresh from Debian's packages (throwaway data). Telegram runs in webhook mode in front when
# PROMISEBOT_TELEGRAM_TOKEN, _WEBHOOK_URL and _WEBHOOK_SECRET are set.
scale-out: train
	@export PROMISEBOT_DATABASE_URL=$$(PGTEST_DIR=/tmp/promisebot-scale-postgres PGTEST_PORT=55433 scripts/start-test-postgres) && \
	  lock_store=$$(REDISTEST_DIR=/tmp/promisebot-scale-redis REDISTEST_PORT=56380 scripts/start-test-redis) && \
	  $(BIN)/promisebot run --replicas 2 --lock-store "$$lock_store"

chat: setup
	$(BIN)/promisebot chat

lint: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

test-fast: setup
	$(BIN)/pytest -m "not model and not servers and not browser and not slow"

test: lint train
	$(BIN)/promisebot check-content
	$(BIN)/rasa data validate --fail-on-warnings --config config.yml --domain domain.yml --data data
	$(BIN)/rasa test core --model "$$($(BIN)/promisebot model-path)" --stories tests/conversations \
	  --fail-on-prediction-errors --out results/conversations
	$(BIN)/pytest --durations=20

# Starts PostgreSQL and Redis as `scale-out` does, for the two-replica figures.
bench: train
	@postgres=$$(PGTEST_DIR=/tmp/promisebot-bench-postgres PGTEST_PORT=55434 scripts/start-test-postgres) && \
	  lock_store=$$(REDISTEST_DIR=/tmp/promisebot-bench-redis REDISTEST_PORT=56381 scripts/start-test-redis) && \
	  $(BIN)/promisebot bench --training --replicas 2 --lock-store "$$lock_store" --postgres "$$postgres"

# Re-pin every dependency after changing pyproject.toml.
lock:
	@python310=$$(scripts/find-python310) || exit 1; rm -rf /tmp/promisebot-lock; \
	  "$$python310" -m venv /tmp/promisebot-lock && /tmp/promisebot-lock/bin/pip install --quiet ".[test]" && \
	  /tmp/promisebot-lock/bin/pip freeze --exclude promisebot > requirements.lock; rm -rf build *.egg-info

clean:
	rm -rf $(VENV) models results .pytest_cache
