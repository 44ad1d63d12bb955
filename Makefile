# thighseg: the two commands of the README are `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
DEMO_DIR ?= demo_output
DEMO_CASES ?= 4
DEMO_RAW := $(DEMO_DIR)/raw/Demo
STAMP := $(VENV)/.thighseg-installed

.PHONY: setup demo test test-slow lint format bench

$(STAMP): setup.py scripts/setup_env.sh
	bash scripts/setup_env.sh
	touch $(STAMP)

setup: $(STAMP)

## demo: set up, then run the toolkit on built-in synthetic data (as far as it goes today)
demo: $(STAMP)
	$(BIN)/thigh_synth -o $(DEMO_RAW) -n $(DEMO_CASES) --size small --seed 0 --preview --overwrite
	$(BIN)/thigh_validate $(DEMO_RAW)
	$(BIN)/thigh_plan $(DEMO_RAW) --preprocessed $(DEMO_DIR)/preprocessed --workers 2 --folds $(DEMO_CASES)
	@echo "demo finished: dataset and previews in $(DEMO_RAW), plans and preprocessed legs in $(DEMO_DIR)/preprocessed/Demo"

## test: set up, lint, then run the default (fast) test tier
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) -m pytest

## test-slow: the slow tier only (clinical-size phantoms, long runs)
test-slow: $(STAMP)
	$(PY) -m pytest -m slow

lint: $(STAMP)
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(PY) benchmarks/bench_phantom.py --size small
