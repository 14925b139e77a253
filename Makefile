# archdsl: `make demo` installs and compiles MnasNet-A1; `make test` installs and runs every test.
# The graph step of demo renders with graphviz's dot (apt-get install graphviz).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out

.PHONY: install demo test test-fast lint format bench clean

$(BIN)/archdsl: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/archdsl

demo: install
	@mkdir -p $(OUT)
	$(BIN)/archdsl validate mnasnet_a1
	$(BIN)/archdsl summary mnasnet_a1
	$(BIN)/archdsl build mnasnet_a1 -o $(OUT)/mnasnet_a1.keras
	$(BIN)/archdsl graph mnasnet_a1 --fold -o $(OUT)/mnasnet_a1.svg

test: install lint
	$(BIN)/pytest -q

test-fast: install
	$(BIN)/pytest -q -m "not slow"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(OUT) build dist *.egg-info .pytest_cache .ruff_cache .hypothesis
