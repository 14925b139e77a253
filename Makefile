# archdsl: `make demo` installs and compiles MnasNet-A1; `make test` installs and runs every test.
# demo draws an SVG with graphviz's dot when it is on PATH; without it, it writes the diagram as
# DOT text and says how to render it (installing system packages is not make's business).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out

.PHONY: install demo test test-fast lint format bench parser clean

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
	@if command -v dot >/dev/null 2>&1; then \
		echo "$(BIN)/archdsl graph mnasnet_a1 --fold -o $(OUT)/mnasnet_a1.svg"; \
		$(BIN)/archdsl graph mnasnet_a1 --fold -o $(OUT)/mnasnet_a1.svg; \
	else \
		echo "$(BIN)/archdsl graph mnasnet_a1 --fold -o $(OUT)/mnasnet_a1.dot"; \
		$(BIN)/archdsl graph mnasnet_a1 --fold -o $(OUT)/mnasnet_a1.dot && \
		echo "graphviz's dot is not on PATH, so the diagram is DOT text; for an SVG:" \
			"apt-get install graphviz (or brew install graphviz), then" \
			"dot -Tsvg $(OUT)/mnasnet_a1.dot -o $(OUT)/mnasnet_a1.svg"; \
	fi

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

# After editing archdsl/spec/grammar.lark: regenerate its standalone parser (Lark, from .[test]).
parser: install
	$(BIN)/python -m archdsl.spec.generate_parser

clean:
	rm -rf $(OUT) build dist *.egg-info .pytest_cache .ruff_cache .hypothesis
