# Two commands for a newcomer: `make run` (the whole product on embedded defaults) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)

.PHONY: run test smoke install prepare lint bench-help

# DEBUG is off unless asked for (production must not have to remember); the demo and the tests
# ask for it, which brings the embedded defaults (SQLite, filesystem broker, sandbox, demo secrets).
run prepare test lint: export DEBUG ?= 1

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "TMS Chat needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

prepare: install
	@$(BIN)/python manage.py compile_translations
	@$(BIN)/python manage.py migrate --noinput -v0
	@$(BIN)/python manage.py install_schedule >/dev/null
	@$(BIN)/python manage.py create_demo_admin

run: prepare
	@echo
	@echo "  TMS Chat:        http://127.0.0.1:8000/   (sign in with the demo admin above)"
	@echo "  Shopee sandbox:  http://127.0.0.1:8100/_sandbox/   (demo shop password: demo1234)"
	@echo "  Stop with Ctrl+C."
	@echo
	@$(BIN)/honcho -f Procfile.dev start

# The tests keep their own var/ (SQLite file, filesystem broker, cache) so they never leave tasks
# for `make run`; CI gives each of its two runs one of its own (TEST_VAR_DIR).
TEST_VAR_DIR ?= $(CURDIR)/var/test
test: install
	@$(BIN)/python manage.py compile_translations
	TMSCHAT_VAR_DIR=$(TEST_VAR_DIR) $(BIN)/python -m pytest $(PYTEST_ARGS)

# The production shape as processes, driven by Chromium (needs DATABASE_URL and REDIS_URL).
smoke: install
	@$(BIN)/python manage.py compile_translations
	.ci/smoke

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
