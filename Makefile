# embcli: set-up, demo, tests, benchmarks, and a file-based pipeline.
#
#   make demo    create .venv, install, preprocess -> train -> eval the bundled corpus
#   make test    create .venv, install, run the test suite
#   make bench   benchmarks on ../shared/data/corpus (figures go to BENCHMARKS.md)
#
# Pipeline: each stage's output is a target, re-made only when its input or its
# options change, e.g.  make eval CORPUS=my.txt.gz MODEL=cbow TRAIN_OPTS="--dim 300"

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

CORPUS     ?= data/corpus/en-sample-1m.txt.gz
MODEL      ?= skipgram
WORK       ?= work
PREP_OPTS  ?=
TRAIN_OPTS ?=
EVAL_OPTS  ?= --suite standard

.PHONY: install demo test bench vectors eval clean FORCE

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[zh,plot,test,spark]'
	touch $@

test: $(STAMP)
	$(BIN)/python -m pytest -q

demo: $(STAMP)
	$(MAKE) --no-print-directory eval

bench: $(STAMP)
	$(BIN)/python bench/run_benchmarks.py --output BENCHMARKS.md

# --- file-based pipeline -------------------------------------------------------------------------
# *.opts files hold the options a stage ran with; they change (and trigger a re-run) only when the options do.

$(WORK)/preprocess.opts: FORCE
	@mkdir -p $(WORK)
	@echo '$(CORPUS) $(PREP_OPTS)' | cmp -s - $@ || echo '$(CORPUS) $(PREP_OPTS)' > $@

$(WORK)/$(MODEL).opts: FORCE
	@mkdir -p $(WORK)
	@echo '$(TRAIN_OPTS)' | cmp -s - $@ || echo '$(TRAIN_OPTS)' > $@

$(WORK)/corpus/manifest.json: $(CORPUS) $(WORK)/preprocess.opts | $(STAMP)
	$(BIN)/embcli preprocess $(CORPUS) -o $(WORK)/corpus --force $(PREP_OPTS)

$(WORK)/$(MODEL)/manifest.json: $(WORK)/corpus/manifest.json $(WORK)/$(MODEL).opts
	$(BIN)/embcli train $(WORK)/corpus --model $(MODEL) -o $(WORK)/$(MODEL) --force $(TRAIN_OPTS)

vectors: $(WORK)/$(MODEL)/manifest.json

eval: $(WORK)/$(MODEL)/manifest.json
	$(BIN)/embcli eval $(WORK)/$(MODEL) $(EVAL_OPTS)

clean:
	rm -rf $(WORK)

FORCE:
