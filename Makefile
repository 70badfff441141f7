# flask_react.aws: `make demo` and `make test` are the two commands a new user needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
EMULATOR_PORT ?= 4566
export EMULATOR_PORT
# Everything runs from the venv, with the checkout as the collection (ansible.cfg).
export PATH := $(CURDIR)/$(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
# Everything Ansible, ansible-lint and molecule cache stays in the repo: a copy of this
# collection left in ~/.ansible by another checkout must never shadow this one.
export ANSIBLE_HOME := $(CURDIR)/.ansible
export PYTHONPATH := $(CURDIR)
# Tests may set AWS_* for boto3; never let a developer's own profile leak in.
export AWS_CONFIG_FILE := /dev/null
export AWS_SHARED_CREDENTIALS_FILE := /dev/null
# Python's default: each module's bytecode written beside it the first time a process imports it, and
# read by every later one. Where PYTHONDONTWRITEBYTECODE is set (the sandboxes this was built in set it),
# every ansible-playbook, module interpreter, emulator and check would compile Ansible, botocore, this
# collection's plugins and the rest from source again: about half of a short run's CPU (README, Speed).
unexport PYTHONDONTWRITEBYTECODE
MOLECULE_SCENARIOS ?= default listener_rules eventbridge_rule
# emulator-start: AWS's lags, each this many seconds (AWS_LAG_ONLY=alb-eni,rds-delete picks some),
# and latency added to every call; both off by default.
AWS_LAG ?=
AWS_LAG_ONLY ?=
LATENCY_MS ?=
# mitogen_linear (ansible.cfg) unless told otherwise: `make test ANSIBLE_STRATEGY=linear`.
ifdef ANSIBLE_STRATEGY
export ANSIBLE_STRATEGY
endif

.PHONY: help venv demo test lint collection-check docs docs-check sanity unit molecule emulator-start emulator-stop emulator-status teardown clean bench bench-listener-rules

help: ## Show the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

venv: $(VENV)/.installed $(VENV)/collections ## Create .venv with the pinned development dependencies (no-op when up to date)

# requirements-dev.txt: the development and test pins (it includes requirements.txt, the
# collection's runtime needs, which is what ansible-builder reads).
# uv installs the same pins as pip would, in about 10 s where pip takes 90 s from a clean
# machine (CI starts from one); pip only installs uv itself.
# No --compile-bytecode: uv would compile all 25,000 files of the venv (the `ansible` package's 90
# collections among them, of which the runs import two) for 42 CPU-s of a clean machine's first run;
# Python writes the bytecode of what is imported as it imports it (PYTHONDONTWRITEBYTECODE, above).
UV_VERSION := 0.13.9
export UV_LINK_MODE := copy
$(VENV)/.installed: requirements-dev.txt requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION) || true
	# pip is the fallback should uv fail or be missing (the same pins, only slower).
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements-dev.txt \
	  || $(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The installed collections a checkout's runs see (ansible.cfg): links to the ones galaxy.yml
# depends on, not all of the `ansible` package's (tools/link_collections.py says why).
$(VENV)/collections: $(VENV)/.installed galaxy.yml tools/link_collections.py
	$(BIN)/python tools/link_collections.py $@
	touch $@

# The demo runs on an emulator of its own, started here and stopped here (also on failure or
# Ctrl-C): on EMULATOR_PORT when that port is free, else on a free port (LocalStack holds 4566,
# or `make emulator-start` left ours there, which the demo neither uses nor stops).
DEMO_PLAYBOOK ?= ansible-playbook playbooks/site.yml -i inventories/local
# A port is free when a listener could bind it (SO_REUSEADDR, as servers do: a closed port's
# connections in TIME_WAIT do not hold it).
PORT_IS_FREE := import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); \
  s.bind(("127.0.0.1", int(sys.argv[1])))
demo: venv ## Start an emulator of its own, run site.yml against it, show what was made, stop that emulator
	@port=$(EMULATOR_PORT); \
	  if ! $(BIN)/python -c '$(PORT_IS_FREE)' $$port 2>/dev/null; then \
	    port=$$($(BIN)/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'); \
	    echo "Port $(EMULATOR_PORT) is taken by another process: the demo's emulator takes port $$port."; \
	  fi; \
	  $(BIN)/python -m tests.emulator.ctl start --port $$port || exit 1; \
	  trap '$(BIN)/python -m tests.emulator.ctl stop --port '$$port EXIT; trap 'exit 130' INT TERM; \
	  status=0; \
	  EMULATOR_PORT=$$port $(DEMO_PLAYBOOK) || status=$$?; \
	  if [ $$status -eq 0 ]; then $(BIN)/python -m tests.emulator.report --port $$port; fi; \
	  exit $$status

# The unit tests, with lint, sanity and molecule beside them, one after the other (tools/test.sh says why);
# each check's log is shown once the unit tests end. Every stage runs; test fails when any failed.
test: venv ## Lint, ansible-test sanity, unit tests and the molecule scenarios (what CI runs)
	@MAKE="$(MAKE)" tools/test.sh

# collection-check runs beside the linters (each mostly uses one core); its output follows theirs.
# Every check runs, and lint fails when any of them failed.
lint: venv docs-check ## ruff, yamllint, ansible-lint, the README tables against the specs, and collection-check
	@log=$$(mktemp); $(MAKE) --no-print-directory collection-check > "$$log" 2>&1 & check=$$!; \
	  status=0; \
	  echo "ruff check plugins tests benchmarks tools ci"; ruff check plugins tests benchmarks tools ci || status=1; \
	  echo "yamllint --strict ."; yamllint --strict . || status=1; \
	  echo "ansible-lint"; ansible-lint || status=1; \
	  wait $$check || status=1; \
	  echo "make collection-check"; cat "$$log"; rm -f "$$log"; \
	  exit $$status

# The collection as a user gets it: the tarball ansible-galaxy builds, installed into a folder of
# its own (outside this git checkout: antsibull-docs copies a collection inside a git work tree
# by `git ls-files`, and finds nothing of an ignored folder), with copies of the collections galaxy.yml
# depends on, as .venv/collections links them (antsibull-docs copies the dependencies too).
# Only that folder is searched (ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false): antsibull-docs copies
# each dependency from the first place `ansible-galaxy collection list` gives (sorted by path), and
# where the checkout's path sorts before TMPDIR's (a clone in /check or /home) that was the venv's
# own amazon.aws, inside the clone's git work tree and ignored there: its empty copy hid the real
# one, and every module's amazon.aws doc fragments were unknown (#22).
collection-check: venv ## Build and install the tarball; ansible-builder introspect and antsibull-docs lint it
	@set -euo pipefail; \
	  work=$$(mktemp -d "$${TMPDIR:-/tmp}/flask_react-collection.XXXXXX"); trap 'rm -rf "$$work"' EXIT; \
	  printf '[defaults]\n' > "$$work/ansible.cfg"; \
	  export ANSIBLE_CONFIG="$$work/ansible.cfg" ANSIBLE_COLLECTIONS_PATH="$$work/collections" \
	    ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false; \
	  echo "ansible-galaxy collection build, then install into $$work/collections"; \
	  ansible-galaxy collection build --output-path "$$work" . > "$$work/build.log" 2>&1 || { cat "$$work/build.log"; exit 1; }; \
	  ansible-galaxy collection install --no-deps -p "$$work/collections" "$$work"/flask_react-aws-*.tar.gz \
	    > "$$work/install.log" 2>&1 || { cat "$$work/install.log"; exit 1; }; \
	  echo "ansible-builder introspect --sanitize: what an execution environment gets from this collection"; \
	  ansible-builder introspect --sanitize "$$work/collections" --write-pip "$$work/pip.txt"; \
	  extra=$$(sed -E 's/[<>=!~ ;[].*//' "$$work/pip.txt" | grep -vxE 'boto3|botocore' || true); \
	  if [ -n "$$extra" ]; then \
	    echo "ansible-builder would put more than boto3 and botocore into an execution environment: $$extra"; exit 1; \
	  fi; \
	  for dependency in .venv/collections/ansible_collections/*/*; do \
	    namespace=$$(basename "$$(dirname "$$dependency")"); \
	    mkdir -p "$$work/collections/ansible_collections/$$namespace"; \
	    cp -r "$$(readlink -f "$$dependency")" "$$work/collections/ansible_collections/$$namespace/"; \
	  done; \
	  echo "antsibull-docs lint-collection-docs --plugin-docs"; \
	  antsibull-docs lint-collection-docs --plugin-docs "$$work/collections/ansible_collections/flask_react/aws" \
	    | sed "s|$$work/collections/ansible_collections/flask_react/aws/||"

docs: venv ## Write the variables tables of README.md and roles/*/README.md from the roles' meta/argument_specs.yml
	$(BIN)/python tools/docs.py

docs-check: venv ## Fail, with a diff, when a README's variables table differs from what the specs make
	$(BIN)/python tools/docs.py --check

sanity: venv ## ansible-test sanity on a copy laid out as ansible_collections/flask_react/aws
	tools/sanity/run.sh

# Playbook tests wait on subprocesses and on the emulator's lag windows: with three workers (and
# make test's checks beside them) the two cores were still idle a quarter of the time, so four; one
# test file per worker keeps each file's module-scoped emulator and converges.
PYTEST_WORKERS ?= 4
# TESTS picks files or tests: `make unit TESTS=tests/unit/test_buildspec.py PYTEST_WORKERS=0`.
TESTS ?=
unit: venv ## pytest: filters, planners, modules, emulator fills, playbooks against the emulator
	pytest -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder --durations=15 $(TESTS)

# Each scenario has its own emulator port, a free one unless MOLECULE_<SCENARIO>_PORT names it (the
# scenarios' fixed defaults collided when two checkouts ran make test at once): MOLECULE_JOBS of them
# run at once (each mostly waits on one ansible-playbook, so two keep both cores busy); each one's log
# is shown when it ends.
MOLECULE_JOBS ?= 2
molecule: venv ## The molecule scenarios against the emulator, MOLECULE_JOBS at once
	@mkdir -p .ansible/molecule-logs
	@set -- $$($(BIN)/python -c 'import socket; s = [socket.socket() for _ in range(3)]; \
	    [x.bind(("127.0.0.1", 0)) for x in s]; print(*(x.getsockname()[1] for x in s))'); \
	  export MOLECULE_EMULATOR_PORT=$${MOLECULE_EMULATOR_PORT:-$$1} \
	    MOLECULE_EVENTBRIDGE_RULE_PORT=$${MOLECULE_EVENTBRIDGE_RULE_PORT:-$$2} \
	    MOLECULE_LISTENER_RULES_PORT=$${MOLECULE_LISTENER_RULES_PORT:-$$3}; \
	  printf '%s\n' $(MOLECULE_SCENARIOS) | xargs -P $(MOLECULE_JOBS) -I{} sh -c \
	  'molecule test -s {} > .ansible/molecule-logs/{}.log 2>&1; rc=$$?; \
	   cat .ansible/molecule-logs/{}.log; echo "molecule scenario {}: exit $$rc"; exit $$rc' \
	  || { echo "a molecule scenario failed: see its log above (.ansible/molecule-logs/)"; exit 1; }

emulator-start: venv ## Start the emulator on EMULATOR_PORT; AWS_LAG=5 plays back AWS's lags, LATENCY_MS=50 slows every call
	$(BIN)/python -m tests.emulator.ctl start --port $(EMULATOR_PORT) \
	  $(if $(AWS_LAG),--aws-lag $(AWS_LAG)) $(if $(AWS_LAG_ONLY),--aws-lag-only $(AWS_LAG_ONLY)) \
	  $(if $(LATENCY_MS),--latency-ms $(LATENCY_MS))

emulator-stop: ## Stop the emulator that emulator-start started on EMULATOR_PORT
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m tests.emulator.ctl stop --port $(EMULATOR_PORT); fi

emulator-status: venv ## Is our emulator running on EMULATOR_PORT?
	@$(BIN)/python -m tests.emulator.ctl status --port $(EMULATOR_PORT)

teardown: venv ## Run teardown.yml against the running emulator
	ansible-playbook playbooks/teardown.yml -i inventories/local

bench: venv ## Cold and no-op runs of site.yml beside the stock-modules playbook (not part of test)
	$(BIN)/python -m benchmarks.run

bench-listener-rules: venv ## Time 100 paths over 10 target groups in one alb_listener_rules call
	$(BIN)/python -m benchmarks.listener_rules_100

clean: emulator-stop ## Remove the venv and everything runs left in the repo
	rm -rf $(VENV) .ansible .emulator .pytest_cache .ruff_cache .hypothesis inventories/local/.outputs inventories/local/.secrets
