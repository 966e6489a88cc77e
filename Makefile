# canonica: `make help` lists the targets.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
# Set CI=true (as CI does) to make warnings in Rust code errors.

.DEFAULT_GOAL := help

.PHONY: help
help: ## Show this help
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

.PHONY: dev
dev: $(VENV)/bin/python ## Install canonica in editable mode with the test tools into .venv
	$(PY) -m pip install --quiet -e ".[test]"

.PHONY: dev-engines
dev-engines: dev ## Also install Spark, Dask and Ray for the tests marked `engines` (about 1.5 GB)
	$(PY) -m pip install --quiet -e ".[test,engines]"

.PHONY: dev-docs
dev-docs: dev ## Also install mkdocs and mkdocstrings for `make docs`
	$(PY) -m pip install --quiet -e ".[test,docs]"

.PHONY: lint
lint: dev ## cargo fmt --check, clippy and rustdoc -D warnings, ruff, mypy
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --package canonica
	$(VENV)/bin/ruff check python tests benchmarks scripts fuzz backend
	$(VENV)/bin/ruff format --check python tests benchmarks scripts fuzz backend
	$(VENV)/bin/mypy python/canonica

.PHONY: test-rust
test-rust: ## Rust unit, integration and doc tests
	cargo test

.PHONY: test-python
test-python: dev-engines ## pytest (the engines' tests included) and stub check (stubs must match the compiled module)
	$(PY) -m mypy.stubtest canonica._core
	CANONICA_TEST_ENGINES=1 $(PY) -m pytest -q

.PHONY: test-fast
test-fast: dev ## stub check and pytest without the Spark, Dask and Ray tests (no engines installed)
	$(PY) -m mypy.stubtest canonica._core
	$(PY) -m pytest -q -m "not engines"

.PHONY: docs
docs: dev-docs ## Build the documentation site into site/ (offline; warnings are errors)
	$(VENV)/bin/mkdocs build --strict --site-dir site

.PHONY: wheel-check
wheel-check: $(VENV)/bin/python ## Build the abi3 wheel (into dist/), install and run it where no Rust toolchain is
	scripts/check_wheel.sh $(PY)

.PHONY: test
test: lint test-rust test-python docs wheel-check ## Everything CI runs

.PHONY: run-example
run-example: dev ## Resolve the example mentions against the seed knowledge base
	$(VENV)/bin/canonica resolve --kb examples/seed_kb.jsonl --column mention --input examples/mentions.csv

.PHONY: bench-deps
bench-deps: dev
	$(PY) -m pip install --quiet -r benchmarks/requirements.txt

.PHONY: bench-accuracy
bench-accuracy: bench-deps ## Accuracy side by side with RapidFuzz, country_converter, pycountry
	$(PY) benchmarks/accuracy.py

.PHONY: bench-scale
bench-scale: bench-deps ## Speed and memory on 560k GeoNames names, side by side with RapidFuzz
	$(PY) benchmarks/scale.py

.PHONY: bench-link
bench-link: bench-deps ## Text linking throughput on 560k aliases, side by side with flashtext and pyahocorasick
	$(PY) benchmarks/link.py

.PHONY: bench-cluster
bench-cluster: bench-deps ## Clustering side by side with OpenRefine's methods and RapidFuzz; speed at scale
	$(PY) benchmarks/cluster.py
	$(PY) benchmarks/cluster.py --scale

.PHONY: bench-serve
bench-serve: bench-deps ## OpenRefine-shaped load on `canonica serve` (560k names), side by side with csv-reconcile
	$(PY) benchmarks/serve.py

.PHONY: bench-similarity
bench-similarity: bench-deps ## Pairwise similarity and its batch forms side by side with RapidFuzz WRatio, cpdist and cdist
	$(PY) benchmarks/similarity.py

.PHONY: bench-updates
bench-updates: bench-deps ## Live add/update/remove latency on 560k GeoNames names, next to a rebuild
	$(PY) benchmarks/updates.py

.PHONY: bench-memory
bench-memory: dev ## RSS over millions of queries (resolve_many, resolve, link): memory stays flat
	$(PY) benchmarks/memory.py --check

.PHONY: fuzz
fuzz: ## Run every cargo-fuzz target for FUZZ_SECONDS each (needs cargo-fuzz; see docs/reliability.md)
	fuzz/run.sh $(or $(FUZZ_SECONDS),240)

.PHONY: bench-pipelines
bench-pipelines: bench-deps ## Pickle size and load time of a resolver of 1M names; resolve_many fed lists and Arrow
	$(PY) benchmarks/pipelines.py

.PHONY: bench-micro
bench-micro: ## Criterion micro-benchmarks of normalize and a single resolve
	cargo bench --bench core

.PHONY: clean
clean: ## Remove build products and the virtual environment
	cargo clean
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache site dist
