# Everything a fresh machine needs: `make run` and `make test` build .venv from the lock files.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PIP_FLAGS := --quiet --disable-pip-version-check

.PHONY: run test chat package e2e lint typecheck lock clean doctor consent bench azurite schemas image tab-js

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.lock | $(BIN)/python
	$(BIN)/pip install $(PIP_FLAGS) -r requirements.lock
	touch $@

$(VENV)/.dev: requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install $(PIP_FLAGS) -r requirements-dev.lock
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime tab-js
	$(BIN)/python app.py

# make chat AS=ben: chat as a demo person (ana, ben, chloe, dev; AS=? lists them). AS is also make's
# assembler (default "as"): only one given on the command line or in the environment counts.
chat: $(VENV)/.runtime
	$(BIN)/python -m chatclient $(if $(filter-out default,$(origin AS)),--as "$(AS)")

# The Teams app package for an Azure Bot registration: make package MicrosoftAppId=<guid> [TeamsAppId=<guid>]
# [SSO=1] (Teams single sign-on: webApplicationInfo and token.botframework.com, see README)
# [TabDomain=<host>] (the overview tab served at https://<host>/tab: BOT_TAB_DOMAIN)
package: $(VENV)/.runtime
	@test -n "$(MicrosoftAppId)" || { echo "Set MicrosoftAppId=<the Azure Bot's app id>"; exit 2; }
	$(BIN)/python -m manifest.package "$(MicrosoftAppId)" --teams-app-id "$(TeamsAppId)" $(if $(SSO),--sso) \
		$(if $(TabDomain),--tab-domain "$(TabDomain)")

# Azurite (the Azure Storage emulator) for the BOT_STORAGE=azureblob tests, pinned by tools/azurite's lock
# file; skipped when Node is missing (those tests then skip, saying why).
AZURITE := tools/azurite/node_modules/.bin/azurite-blob
$(AZURITE): tools/azurite/package-lock.json
	cd tools/azurite && npm ci --no-audit --no-fund --loglevel=error
	touch $@

azurite:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory $(AZURITE); \
	else echo "Node/npm not found: the Azure Blob Storage tests will be skipped"; fi

# The Teams JavaScript library the overview tab serves from the app itself (bot/edge/tab.py; no CDN), pinned
# by tools/teams-js's lock file. Without Node the tab's pages say the library is missing and its test skips.
TEAMS_JS := tools/teams-js/node_modules/@microsoft/teams-js/dist/umd/MicrosoftTeams.min.js
$(TEAMS_JS): tools/teams-js/package-lock.json
	cd tools/teams-js && npm ci --no-audit --no-fund --loglevel=error --ignore-scripts
	touch $@

tab-js:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory $(TEAMS_JS); \
	else echo "Node/npm not found: the overview tab can't serve the Teams JavaScript library"; fi

# The platforms' own schemas the tests check the deployment files against: Microsoft's Teams app manifest
# and localization schemas (@microsoft/app-manifest) and js-yaml (npm ci from tools/platform-schemas' lock
# file), and the Agents Toolkit's m365agents.yml schemas (only resource/yaml-schema/ of @microsoft/m365agentstoolkit-cli, from the tarball
# its lock file pins: the whole CLI is 549 packages). Skipped when Node is missing (the tests then skip).
PLATFORM_SCHEMAS := tools/platform-schemas/node_modules/@microsoft/app-manifest/package.json
$(PLATFORM_SCHEMAS): tools/platform-schemas/package-lock.json
	cd tools/platform-schemas && npm ci --no-audit --no-fund --loglevel=error --ignore-scripts
	touch $@

AGENTS_SCHEMAS := tools/agents-toolkit/node_modules/@microsoft/m365agentstoolkit-cli/package.json
$(AGENTS_SCHEMAS): tools/agents-toolkit/package-lock.json tools/agents-toolkit/extract-schemas.mjs
	node tools/agents-toolkit/extract-schemas.mjs
	touch $@

schemas:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory $(PLATFORM_SCHEMAS) $(AGENTS_SCHEMAS); \
	else echo "Node/npm not found: the app package and m365agents.yml schema tests will be skipped"; fi

test: $(VENV)/.dev azurite schemas tab-js
	$(BIN)/python -m pytest
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/mypy bench

# The Agents Playground in headless Chromium, clicking through the cards (installs Chromium and npm packages).
e2e: $(VENV)/.runtime tab-js
	bash e2e/run.sh

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev
	$(BIN)/mypy

# The support bot against botbuilder's and the Agents SDK's echo bots on loopback: a table and build/bench.json.
# Installs the Agents SDK and py-spy into build/bench-venv (not .venv). BENCH_QUICK=1: about a minute.
bench: $(VENV)/.dev
	$(BIN)/python -m bench

# BOT_BACKEND=live: acquire each token and call each API once; a table of what works and how to fix the rest.
doctor: $(VENV)/.runtime
	$(BIN)/python -m cli doctor

# CUSTOMER_ACCESS=gdap: a partner admin signs in once by device code; the token cache is stored encrypted.
consent: $(VENV)/.runtime
	$(BIN)/python -m cli consent

# Re-pin after editing pyproject.toml dependencies.
lock: $(VENV)/.dev
	$(BIN)/pip install $(PIP_FLAGS) uv
	$(BIN)/uv pip compile -q pyproject.toml --python-version 3.11 --universal -o requirements.lock
	$(BIN)/uv pip compile -q pyproject.toml --extra dev --python-version 3.11 --universal -o requirements-dev.lock

# The container image (Dockerfile): make image [IMAGE=support-bot:dev]
IMAGE ?= support-bot:dev
image: tab-js
	@docker info >/dev/null 2>&1 || { echo "make image needs Docker (a running daemon)"; exit 2; }
	docker build -t $(IMAGE) .

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache tools/*/node_modules
