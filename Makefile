# Two commands set everything up on a fresh machine (Debian, Python 3.11):
#   make demo   install, migrate SQLite, load the synthetic demo data, serve http://127.0.0.1:8501
#   make test   install the dev requirements, ruff, and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: demo test install install-dev lint serve bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@

install: $(VENV)/.runtime-installed

install-dev: $(VENV)/.dev-installed

demo: install
	$(BIN)/python -m etl db upgrade
	$(BIN)/python -m etl demo
	@echo "Serving the dashboard on http://127.0.0.1:$(PORT) (Ctrl+C to stop)"
	$(BIN)/python -m streamlit run dashboard/app.py --server.address 127.0.0.1 --server.port $(PORT)

serve: install
	$(BIN)/python -m streamlit run dashboard/app.py --server.address 127.0.0.1 --server.port $(PORT)

lint: install-dev
	$(BIN)/ruff check .

test: install-dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install-dev
	$(BIN)/python benchmarks/etl_bench.py
	$(BIN)/python benchmarks/dashboard_bench.py

clean:
	rm -rf $(VENV) test-output .pytest_cache .ruff_cache
