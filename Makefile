# Two commands for a newcomer: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test serve lint eval bench train-ner clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11) on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[web,dev]'
	touch $(STAMP)

demo: $(STAMP)   ## the main job: the grounded briefing of the two seed articles
	QUELLENLAGE_DB=$${QUELLENLAGE_DB:-.quellenlage-demo.db} $(BIN)/quellenlage analyze examples/000_05c69a39d1948cd3.txt examples/001_2bd5110ccdca12c3.txt --format md

test: $(STAMP)   ## the whole test suite (what CI runs)
	bash scripts/test-setup.sh
	$(BIN)/python -m pytest -q

serve: $(STAMP)
	$(BIN)/quellenlage serve

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

clean:
	rm -rf $(VENV) .pytest_cache .quellenlage-demo.db
