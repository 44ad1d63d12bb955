# thighseg: the two commands of the README are `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
DEMO_DIR ?= demo_output
DEMO_CASES ?= 6
DEMO_EPOCHS ?= 12
DEMO_ITERATIONS ?= 25
DEMO_PRECISION ?= auto
DEMO_RAW := $(DEMO_DIR)/raw/Demo
DEMO_TEST := $(DEMO_DIR)/raw/DemoTest
DEMO_LATER := $(DEMO_DIR)/raw/DemoTestLater
STAMP := $(VENV)/.thighseg-installed

.PHONY: setup demo test test-slow lint format bench

$(STAMP): setup.py scripts/setup_env.sh
	bash scripts/setup_env.sh
	touch $(STAMP)

setup: $(STAMP)

## demo: set up, then run the toolkit on built-in synthetic data: synthesise, validate, plan, train, predict, evaluate, follow up, report
demo: $(STAMP)
	$(BIN)/thigh_synth -o $(DEMO_RAW) -n $(DEMO_CASES) --size small --seed 0 --preview --overwrite
	$(BIN)/thigh_synth -o $(DEMO_TEST) -n 2 --size small --seed 0 --start-index $(DEMO_CASES) --overwrite
	$(BIN)/thigh_synth -o $(DEMO_LATER) -n 2 --size small --seed 0 --start-index $(DEMO_CASES) --overwrite \
		--condition atrophy=strong
	$(BIN)/thigh_validate $(DEMO_RAW)
	$(BIN)/thigh_plan $(DEMO_RAW) --preprocessed $(DEMO_DIR)/preprocessed --workers 2
	rm -rf $(DEMO_DIR)/results/Demo
	$(BIN)/thigh_train 2d5 0 -d Demo --preprocessed $(DEMO_DIR)/preprocessed --results $(DEMO_DIR)/results \
		--epochs $(DEMO_EPOCHS) --iterations $(DEMO_ITERATIONS) --precision $(DEMO_PRECISION) --workers 1
	$(BIN)/thigh_predict -i $(DEMO_TEST)/imagesTr -o $(DEMO_DIR)/predictions -d Demo \
		--results $(DEMO_DIR)/results --overwrite
	$(BIN)/thigh_predict -i $(DEMO_LATER)/imagesTr -o $(DEMO_DIR)/predictions_later -d Demo \
		--results $(DEMO_DIR)/results --overwrite
	$(BIN)/thigh_followup --baseline $(DEMO_DIR)/predictions --followup $(DEMO_DIR)/predictions_later \
		-o $(DEMO_DIR)/followup
	rm -rf $(DEMO_DIR)/evaluation
	$(BIN)/thigh_evaluate -r $(DEMO_TEST)/labelsTr -p $(DEMO_DIR)/predictions -o $(DEMO_DIR)/evaluation
	$(BIN)/thigh_report --predictions $(DEMO_DIR)/predictions --evaluation $(DEMO_DIR)/evaluation \
		--model $(DEMO_DIR)/results/Demo/2d5/fold_0 -o $(DEMO_DIR)/report --followup $(DEMO_DIR)/followup
	@echo "demo finished: open $(DEMO_DIR)/report/index.html (or index.md); data in $(DEMO_DIR)/raw, model in $(DEMO_DIR)/results/Demo/2d5/fold_0"

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
