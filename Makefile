# Two entry points for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SPEC   ?= spec/duri.yaml
OUT    ?= out

.PHONY: run test tools lint check clean mutation

$(BIN)/obsgen: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

run: $(BIN)/obsgen
	$(BIN)/obsgen generate $(SPEC) --out $(OUT)

# promtool/amtool come from Debian's packages; install them when missing and we are root.
tools:
	@if ! command -v promtool >/dev/null 2>&1 || ! command -v amtool >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing prometheus and prometheus-alertmanager from Debian"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends prometheus prometheus-alertmanager >/dev/null; \
	  else \
	    echo "promtool/amtool missing and not root: tool-backed tests will skip (fail when CI=true)"; \
	  fi; \
	fi

# The suite in two worker processes (CI has 2 cores), whole files per worker so each module's
# fixtures are built once; then the end-to-end tests alone, whose real servers keep time.
JOBS ?= 2
test: $(BIN)/obsgen tools lint
	$(BIN)/python -m pytest -q -n $(JOBS) --dist loadfile -m "not e2e"
	$(BIN)/python -m pytest -q -m e2e

lint: $(BIN)/obsgen
	$(BIN)/ruff check generator tests bench
	$(BIN)/ruff format --check generator tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# Not part of `make test`: mutates out/'s rules and runs the generated tests on each mutant
# (minutes); ARGS passes options, e.g. make mutation ARGS="--only slo.yml --every 3".
mutation: $(BIN)/obsgen tools
	$(BIN)/python -m bench.mutation --out $(OUT) --workers 2 $(ARGS)

check: $(BIN)/obsgen
	$(BIN)/obsgen check $(SPEC) --out $(OUT)

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
