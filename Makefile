# The two quickstart commands: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install frontend frontend-test bench clean

# The JupyterLab extension (frontend/) is built into meshcollab/labextension before pip installs, so
# that the package ships it; users never run npm. `npm ci` installs exactly frontend/package-lock.json.
LABEXTENSION := meshcollab/labextension/package.json
FRONTEND_SOURCES := $(wildcard frontend/src/*.ts frontend/src/*/*.ts frontend/style/* frontend/schema/*.json) \
	frontend/package.json frontend/tsconfig.json

$(BIN)/jupyter-builder:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet 'jupyter-builder>=1.3,<2'

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(LABEXTENSION): $(BIN)/jupyter-builder frontend/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	cd frontend && PATH="$(abspath $(BIN)):$$PATH" npm run --silent build

frontend: $(LABEXTENSION)

# Order-only on the extension: it must exist at the first install; later rebuilds need no reinstall.
$(BIN)/meshcollab: pyproject.toml | $(LABEXTENSION)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	# Editable install: JupyterLab loads the extension from the source tree (a symlink), so a
	# rebuild (`make frontend`) shows after a browser reload.
	$(BIN)/jupyter-builder develop --overwrite . >/dev/null
	touch $@

install: $(BIN)/meshcollab $(LABEXTENSION)

frontend-test: frontend/node_modules/.package-lock.json
	cd frontend && npm test --silent

# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

run: install
	$(BIN)/meshcollab serve --data-dir data $(ALLOW_ROOT) $(ARGS)

test: install frontend-test
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) data build *.egg-info frontend/node_modules frontend/lib frontend/tsconfig.tsbuildinfo \
		meshcollab/labextension
