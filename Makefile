# Two commands for a newcomer: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test serve lint eval bench train-ner train-ner-e5 train-ner-e5-small train-subjectivity train-reliability clean

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

DATA := ../shared/data

eval: $(STAMP)   ## every eval command on the local datasets (long; one JSON line each)
	$(BIN)/quellenlage eval ner --data $(DATA)/ner/germeval2014-dev.tsv --split heldout
	$(BIN)/quellenlage eval ner --data $(DATA)/ner/smartdata-train.jsonl --split heldout
	$(BIN)/quellenlage eval ner --data $(DATA)/ner/wikiann-de-test.conllu
	$(BIN)/quellenlage eval ner --data $(DATA)/ner/germeval2014-dev.tsv --split heldout --backend model
	$(BIN)/quellenlage eval ner --data $(DATA)/ner/germeval2014-dev.tsv --backend rules
	$(BIN)/quellenlage eval ner --data $(DATA)/ner/wikiann-de-test.conllu --backend rules
	$(BIN)/quellenlage eval subjectivity --data $(DATA)/subjectivity/checkthat2025-dev-de.tsv
	$(BIN)/quellenlage eval similarity --data $(DATA)/similarity/semeval2022-task8-train.csv --mode cv
	$(BIN)/quellenlage eval reliability --data $(DATA)/reliability/fang-covid-train.jsonl.gz

bench: $(STAMP)  ## throughput and memory benchmarks (bench/*.py), one JSON line each
	OMP_NUM_THREADS=1 $(BIN)/python bench/ingest.py
	OMP_NUM_THREADS=1 $(BIN)/python bench/read.py
	OMP_NUM_THREADS=1 $(BIN)/python bench/analyze.py
	OMP_NUM_THREADS=1 $(BIN)/python bench/serve.py
	OMP_NUM_THREADS=1 $(BIN)/python bench/stories.py

train-ner: $(STAMP)           ## reproduce the shipped NER model (~40 min on one core)
	OMP_NUM_THREADS=1 $(BIN)/quellenlage train ner

train-ner-e5: $(STAMP)        ## reproduce the shipped e5 NER model (~45 min on 2 cores; installs torch + onnx)
	$(BIN)/pip install -q torch==2.13.0 'onnx>=1.15'
	$(BIN)/quellenlage train ner-e5

train-ner-e5-small: $(STAMP)  ## reproduce the small 6-layer e5 NER model (~15 min on 2 cores; installs torch + onnx)
	$(BIN)/pip install -q torch==2.13.0 'onnx>=1.15'
	$(BIN)/quellenlage train ner-e5 --layers 6 --out src/quellenlage/models/ner_e5_small

train-subjectivity: $(STAMP)  ## reproduce the shipped subjectivity model
	OMP_NUM_THREADS=1 $(BIN)/python -m quellenlage.train.subjectivity

train-reliability: $(STAMP)   ## reproduce the shipped reliability model
	OMP_NUM_THREADS=1 $(BIN)/python -m quellenlage.train.reliability

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

clean:
	rm -rf $(VENV) .pytest_cache .quellenlage-demo.db
