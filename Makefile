# Two entry points: `make demo` (the showcase) and `make test` (the whole test suite).
# Both create the environment in .venv on first use; later runs reuse it.
PY ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
OUT ?= output

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e ".[test,dev,amg]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/pdesolve demo --out $(OUT)

test: $(STAMP)
	$(VENV)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check pdesolve tests benchmarks demos

clean:
	rm -rf $(VENV) $(OUT)
