# getpower — the two commands of the quick start are `make run` and `make test`.
VENV ?= .venv
STAMP := $(VENV)/.setup-done

.PHONY: setup run test clean-store lab scorecards dashboards bench

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup.sh
	bash scripts/setup.sh
	touch $@

## the main job on the bundled sample data
run: setup
	$(VENV)/bin/getpower run

## every test (unit, notebook and browser suites)
test: setup
	$(VENV)/bin/python -m pytest

clean-store:
	rm -rf data/store data/sample reports

## JupyterLab on the analyst notebooks
lab: setup
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

## the quarter's scorecards (PERIOD=2023Q4)
PERIOD ?= 2023Q4
scorecards: setup
	$(VENV)/bin/getpower scorecards --period $(PERIOD)

## the Voila dashboards on http://127.0.0.1:8866/voila/render/overview.ipynb (local mode: this machine only)
dashboards: setup
	$(VENV)/bin/getpower serve --local

## benchmarks at 1×, 3× and 10× a province-year (SCALES="1" for 1× only; "1 3 10 30" for national), ending with the Done-when lines of #18; see docs/benchmarks.md
SCALES ?= 1 3 10
BENCH_DATA ?= benchmarks/data
PEERS := benchmarks/.peers
bench: setup $(PEERS)/.installed
	$(VENV)/bin/python benchmarks/run.py --scales $(SCALES) --data $(BENCH_DATA) --peers $(PEERS)

# the peers (pandas, DuckDB) apart from getpower's environment: benchmarks/peers.txt says why
$(PEERS)/.installed: benchmarks/peers.txt
	rm -rf $(PEERS)
	$(VENV)/bin/python -m pip install -q --target $(PEERS) -r benchmarks/peers.txt
	touch $@
