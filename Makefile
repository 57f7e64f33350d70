# embcli: set-up, demo, tests, benchmarks, and a file-based pipeline.
#
#   make demo    create .venv, install embcli alone, then preprocess -> train -> eval -> neighbors/analogy
#                on the bundled corpus (about 1-2 minutes on 2 cores)
#   make test    create .venv, install embcli with every extra the tests use, run the test suite
#   make bench   benchmarks on ../shared/data/corpus (figures go to BENCHMARKS.md)
#
# Pipeline: each stage's output is a target, re-made only when its input or its
# options change, e.g.  make eval CORPUS=my.txt.gz MODEL=cbow TRAIN_OPTS="--dim 300"

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
BASE_STAMP := $(VENV)/.base-stamp
STAMP  := $(VENV)/.installed-stamp

CORPUS     ?= data/corpus/en-sample-1m.txt.gz
MODEL      ?= skipgram
WORK       ?= work
PREP_OPTS  ?=
TRAIN_OPTS ?=
DEMO_TRAIN_OPTS ?= --epochs 15
DEMO_WORK  ?= work/demo
EVAL_OPTS  ?= --suite standard

.PHONY: install demo test bench vectors eval clean FORCE

install: $(STAMP)

# what the main job needs: embcli and its required dependencies only
$(BASE_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# what the tests and benchmarks need: every extra (Chinese, plots, Spark, exports, ...) and the test tools
$(STAMP): $(BASE_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[zh,plot,spark,export,ann,test]'
	touch $@

test: $(STAMP)
	$(BIN)/python -m pytest -q

demo: $(BASE_STAMP)
	@$(MAKE) --no-print-directory eval WORK=$(DEMO_WORK) TRAIN_OPTS='$(DEMO_TRAIN_OPTS)'
	$(BIN)/embcli neighbors $(DEMO_WORK)/$(MODEL) monday january seven -k 5
	$(BIN)/embcli analogy $(DEMO_WORK)/$(MODEL) bad worse good -k 3
	$(BIN)/embcli analogy $(DEMO_WORK)/$(MODEL) man woman boy -k 3
	@echo
	@echo "What to expect: on 1.3M tokens skip-gram gets WS-353 ~0.4, SimLex ~0.2 and Google analogy ~5%"
	@echo "(families and comparatives right, capitals mostly wrong); the weekdays, months and numbers above"
	@echo "find each other and 'better' and 'girl' are among the top three. Published word2vec figures (~70% analogy) come"
	@echo "from billions of tokens; on the 5.1M-token corpus in BENCHMARKS.md skip-gram reaches 13.5%."

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

$(WORK)/corpus/manifest.json: $(CORPUS) $(WORK)/preprocess.opts | $(BASE_STAMP)
	$(BIN)/embcli preprocess $(CORPUS) -o $(WORK)/corpus --force $(PREP_OPTS)

$(WORK)/$(MODEL)/manifest.json: $(WORK)/corpus/manifest.json $(WORK)/$(MODEL).opts
	$(BIN)/embcli train $(WORK)/corpus --model $(MODEL) -o $(WORK)/$(MODEL) --force $(TRAIN_OPTS)

vectors: $(WORK)/$(MODEL)/manifest.json

eval: $(WORK)/$(MODEL)/manifest.json
	$(BIN)/embcli eval $(WORK)/$(MODEL) $(EVAL_OPTS)

clean:
	rm -rf $(WORK)

FORCE:
