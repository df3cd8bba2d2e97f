# Kamerzoek: `make run` and `make test` do every set-up step on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
INDEX  ?= var/index
HOST   ?= 127.0.0.1
PORT   ?= 8000
SIZE   ?= 10000
STAMP  := $(VENV)/.installed
SYSTEM_PACKAGES := chromium chromium-driver tesseract-ocr tesseract-ocr-nld poppler-utils

.PHONY: run test install system-deps index serve bench bench-load bench-pageview bench-dask corpus clean cluster cluster-stop

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dask]'
	touch $(STAMP)

install: $(STAMP)

# Headless Chromium for the browser tests, Tesseract (Dutch) and poppler for OCR.
# Installed with apt when missing and we are root; otherwise those tests skip with a reason.
system-deps:
	@missing=""; \
	for cmd in chromium chromedriver tesseract pdftoppm; do command -v $$cmd >/dev/null 2>&1 || missing="$$missing $$cmd"; done; \
	if [ -z "$$missing" ] && tesseract --list-langs 2>/dev/null | grep -qx nld; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing system packages:$(SYSTEM_PACKAGES)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	else echo "Not installed (need root and apt):$$missing; browser and OCR tests will skip."; fi

index: install
	$(BIN)/kamerzoek index corpus --index $(INDEX)

serve: install
	$(BIN)/kamerzoek serve --index $(INDEX) --host $(HOST) --port $(PORT)

run: install index serve

test: install system-deps
	$(BIN)/python -m pytest -q -ra

# ENGINE=<URL> (what `make cluster` prints): the same pages and queries on that engine beside
# Whoosh as well (bench/engine_run.py), after Whoosh beside FTS5.
bench: install
	$(BIN)/python bench/run.py --size $(SIZE)
	$(if $(ENGINE),$(BIN)/python bench/engine_run.py --engine $(ENGINE) --size $(SIZE))

bench-load: install
	$(BIN)/python bench/load.py

bench-pageview: install
	$(BIN)/python bench/pageview.py

# Extraction through a loopback Dask cluster against the local pool, and the 20,000-page PDF.
bench-dask: install
	$(BIN)/python bench/dask_extract.py

corpus: install
	$(BIN)/python corpus/generate.py

# Three OpenSearch nodes on 127.0.0.1 (Java 17; the distribution comes from Maven Central).
cluster:
	$(PYTHON) cluster/opensearch.py start

cluster-stop:
	$(PYTHON) cluster/opensearch.py stop

clean:
	rm -rf $(VENV) var .pytest_cache
