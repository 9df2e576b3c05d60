# Two commands on a fresh machine with python3 (3.11+) and make: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# the address to listen on; an explicit one also keeps Streamlit from looking up the machine's external IP
HOST ?= 127.0.0.1
export PORT  # the app builds its own URLs (embedded simulator, invitation links) from it
STAMP := $(VENV)/.installed

.PHONY: run dev test lint format test-postgres demo bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m onboarding migrate
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.address $(HOST) --server.headless true

# While editing: reload pages when a file changes (`make run` serves without the file watcher).
dev: $(STAMP)
	$(BIN)/python -m onboarding migrate
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.address $(HOST) --server.headless true \
		--server.fileWatcherType auto --server.runOnSave true

test: $(STAMP)
	$(BIN)/python -m pytest

# ruff: lint rules (import order included) and formatting; `make format` rewrites what `make lint` refuses
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The database-facing tests again on PostgreSQL: TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:PORT/postgres
test-postgres: $(STAMP)
	@test -n "$(TEST_DATABASE_URL)" || { echo "set TEST_DATABASE_URL to a PostgreSQL admin URL (see .ci/postgres)"; exit 2; }
	TEST_DATABASE_URL="$(TEST_DATABASE_URL)" $(BIN)/python -m pytest

demo: $(STAMP)
	$(BIN)/python -m onboarding seed-demo

# Page speed (server and Chromium), websocket bytes, memory and SQL statements at 10,000 and 100,000 merchants,
# one JSON per size in data/; MERCHANTS="2000" to change the sizes.
MERCHANTS ?= 10000 100000
bench: $(STAMP)
	for size in $(MERCHANTS); do \
		$(BIN)/python -m onboarding bench --merchants $$size --browser --json data/bench-$$size.json || exit 1; \
	done

clean:
	rm -rf $(VENV) build *.egg-info
