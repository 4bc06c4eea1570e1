# dunning_advanced: set-up, demo, tests, lint and benchmarks.
# Odoo's source is taken from ODOO_SRC; everything else is installed here.

ODOO_SRC ?= /opt/odoo
ODOO_BRANCH ?= 18.0
ODOO_GIT ?= https://github.com/odoo/odoo.git
PYTHON ?= python3.11
VENV ?= .venv
DEMO_DB ?= dunning_demo
TEST_DB ?= dunning_test
TEST_TAGS ?= /dunning_advanced
HTTP_PORT ?= 8069
# Port of the HTTP server the tests start; differ it to run two suites at once.
TEST_HTTP_PORT ?= 8169
# l10n_it gives the demo company its Italian chart of accounts and taxes.
# payment_demo: the customer page's Pay now is tested with Odoo's Demo provider.
MODULES ?= l10n_it,payment_demo,dunning_advanced
# The demo also installs the Sales app (sale_management: its menus and
# quotation screens, which the addon does not need: it depends on `sale` only,
# so sale_management is not in its manifest) and loads Italian, the language
# of its Italian customers.
# Installed first, so that the demo data find the Italian e-invoicing fields
# (fiscal code, PEC) that l10n_it_edi adds.
DEMO_BASE_MODULES ?= l10n_it,l10n_it_edi,sale_management,payment_demo
DEMO_MODULES ?= dunning_advanced
# The queue_job bridge changes how the scheduled run works, so its tests run
# on a database of their own, without the main addon's tests.
QUEUE_TEST_DB ?= $(TEST_DB)_queue
QUEUE_MODULES ?= l10n_it,dunning_advanced_queue
QUEUE_TEST_TAGS ?= /dunning_advanced_queue
DEMO_LANG ?= it_IT

VPY := $(VENV)/bin/python
ODOO_BIN := $(ODOO_SRC)/odoo-bin
ADDONS_PATH := $(ODOO_SRC)/addons,$(CURDIR)
ODOO := $(VPY) $(ODOO_BIN) --addons-path=$(ADDONS_PATH)

.PHONY: help demo run test lint postgres test-tools odoo-src venv bench bench-compare clean i18n screenshots

help:
	@echo "make demo   Odoo with the addon and its demo data on http://localhost:$(HTTP_PORT) (admin/admin)"
	@echo "make test   a fresh database, the addon's tests; ends with 'N passed, N failed'"
	@echo "make lint   ruff and pylint-odoo"
	@echo "make bench  benchmarks (see bench/README.md)"
	@echo "make bench-compare  side by side with OCA account_credit_control (docs/benchmarks-oca.md)"
	@echo "make screenshots  docs/*.png from the running demo"
	@echo "make i18n   re-export the terms and merge them into dunning_advanced/i18n/*.po"

odoo-src:
	@if [ ! -x "$(ODOO_BIN)" ]; then \
	  echo "No Odoo source tree at ODOO_SRC=$(ODOO_SRC): trying a shallow clone of Odoo $(ODOO_BRANCH)"; \
	  git clone --depth 1 --branch $(ODOO_BRANCH) $(ODOO_GIT) "$(ODOO_SRC)" || { \
	    echo ""; \
	    echo "Could not get Odoo $(ODOO_BRANCH). Check out the official Odoo $(ODOO_BRANCH) source"; \
	    echo "somewhere and run again with ODOO_SRC=/path/to/odoo (the folder holding odoo-bin)."; \
	    exit 1; }; \
	fi
	@grep -q "^version_info = (18, 0" "$(ODOO_SRC)/odoo/release.py" || { \
	  echo "ODOO_SRC=$(ODOO_SRC) is not Odoo 18.0: set ODOO_SRC to an Odoo 18.0 checkout."; exit 1; }

$(VENV)/.installed: requirements.txt requirements-nodeps.txt tools/odoo_requirements.py | odoo-src
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip wheel packaging
	$(VPY) tools/odoo_requirements.py $(ODOO_SRC)/requirements.txt > $(VENV)/odoo-requirements.txt
	$(VPY) -m pip install --quiet -r $(VENV)/odoo-requirements.txt -r requirements.txt
	$(VPY) -m pip install --quiet --no-deps -r requirements-nodeps.txt
	touch $@

venv: odoo-src $(VENV)/.installed

postgres:
	@bash tools/ensure_postgres.sh

# Fresh demo database, crons run once, then Odoo serves it.
demo: venv postgres
	dropdb --if-exists $(DEMO_DB)
	$(ODOO) -d $(DEMO_DB) -i $(DEMO_BASE_MODULES) --load-language=$(DEMO_LANG) --stop-after-init --max-cron-threads=0 --http-port=$(HTTP_PORT)
	$(ODOO) -d $(DEMO_DB) -i $(DEMO_MODULES) --stop-after-init --max-cron-threads=0 --http-port=$(HTTP_PORT)
	$(ODOO) shell -d $(DEMO_DB) --no-http < tools/demo_run_crons.py
	@echo "Odoo with dunning_advanced: http://localhost:$(HTTP_PORT)  login admin / password admin"
	$(ODOO) -d $(DEMO_DB) --http-port=$(HTTP_PORT) --db-filter='^$(DEMO_DB)$$'

# PNG screenshots of Today, aged receivables, the KPI dashboard and a statement
# into docs/, from the demo served by `make demo` or `make run` on HTTP_PORT.
screenshots: venv test-tools
	$(VPY) tools/screenshots.py --url http://localhost:$(HTTP_PORT) --db $(DEMO_DB)

# Serve an existing demo database again, without rebuilding it.
run: venv postgres
	$(ODOO) -d $(DEMO_DB) --http-port=$(HTTP_PORT) --db-filter='^$(DEMO_DB)$$'

# Headless Chromium for the browser tests (tours) and pdftotext for the printed
# notices; installed when missing.
test-tools:
	@bash tools/ensure_test_tools.sh

# Two runs: the addon's tests, then the queue_job bridge's on a second
# database; the last line totals both and the exit code fails if either did.
test: venv postgres test-tools
	@rm -f test-counts.txt
	-$(VPY) tools/run_tests.py --python $(VPY) --odoo-bin $(ODOO_BIN) \
	  --addons-path $(ADDONS_PATH) --db $(TEST_DB) --modules $(MODULES) \
	  --tags $(TEST_TAGS) --http-port $(TEST_HTTP_PORT) --log test.log \
	  --counts test-counts.txt
	-$(VPY) tools/run_tests.py --python $(VPY) --odoo-bin $(ODOO_BIN) \
	  --addons-path $(ADDONS_PATH) --db $(QUEUE_TEST_DB) --modules $(QUEUE_MODULES) \
	  --tags $(QUEUE_TEST_TAGS) --http-port $(TEST_HTTP_PORT) --log test-queue.log \
	  --addon dunning_advanced_queue --counts test-counts.txt
	@$(VPY) tools/sum_test_counts.py --expect 2 test-counts.txt

$(VENV)/.lint: $(VENV)/.installed requirements-dev.txt
	$(VPY) -m pip install --quiet -r requirements-dev.txt
	touch $@

lint: venv $(VENV)/.lint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pylint --rcfile=.pylintrc-mandatory dunning_advanced dunning_advanced_queue

bench: venv postgres
	$(MAKE) -C bench all PY=$(abspath $(VPY)) ODOO_SRC=$(ODOO_SRC) ADDONS_PATH=$(ADDONS_PATH)

bench-compare: venv postgres
	$(MAKE) -C bench bench-compare PY=$(abspath $(VPY)) ODOO_SRC=$(ODOO_SRC) ADDONS_PATH=$(ADDONS_PATH)

# Re-export the addon's terms (scratch database I18N_DB) and merge them into
# the .po files; see tools/update_translations.sh.
i18n: venv postgres
	VENV=$(VENV) ODOO_SRC=$(ODOO_SRC) bash tools/update_translations.sh

clean:
	rm -rf $(VENV) test.log test-queue.log test-counts.txt
