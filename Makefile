# Yixiang: the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-schema lint typecheck format lock messages vendor worker beat bench clean

# A virtual environment with the locked dependencies (hash-checked): pip installs the
# locked uv, and uv the rest (about 25 s on 2 cores where pip took 2.5 to 3.5 minutes).
$(VENV)/.installed: requirements/dev.lock requirements/bootstrap.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/bootstrap.lock
	$(BIN)/uv pip install --quiet --system-certs --compile-bytecode --require-hashes --python $(BIN)/python \
		-r requirements/dev.lock
	touch $@

install: $(VENV)/.installed

## make run: install, migrate, load the demo data and serve at http://127.0.0.1:8000/
run: install
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo ""
	@echo "  Yixiang is at http://$(HOST):$(PORT)/"
	@echo "    shop:      http://$(HOST):$(PORT)/shop/"
	@echo "    dashboard: http://$(HOST):$(PORT)/shop/dashboard/"
	@echo "    CMS:       http://$(HOST):$(PORT)/cms/"
	@echo "  Demo staff login: admin / yixiang-demo (东川区 monitoring staff: dongchuan / yixiang-demo;"
	@echo "  producer dashboards: hongtudi, lanfeng, meixiang, saying / yixiang-demo;"
	@echo "  school canteen buyer (pays after delivery): canteen / yixiang-demo;"
	@echo "  platform finance: finance / yixiang-demo; platform operations: ops / yixiang-demo)"
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## make test: the whole suite (SQLite by default; PostgreSQL and Redis when DATABASE_URL and CELERY_BROKER_URL are set)
test: install
	$(BIN)/python -m pytest

# Write the SQLite test database's schema snapshot again after a migration changes (the
# suite says so, and tests/config/test_schema_snapshot.py fails, until it is current).
test-schema: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python -m tests.sqlite_snapshot

lint: install
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .

# mypy with django-stubs over the project's own code (settings in pyproject.toml).
typecheck: install
	$(BIN)/python -m mypy .

format: install
	$(BIN)/python -m ruff check --fix .
	$(BIN)/python -m ruff format .

# Re-resolve the lock files from requirements/*.in (needs uv in the venv).
lock: install
	cd requirements && ../$(BIN)/uv pip compile bootstrap.in -p 3.11 --generate-hashes -o bootstrap.lock
	cd requirements && ../$(BIN)/uv pip compile base.in -p 3.11 --generate-hashes -o base.lock
	cd requirements && ../$(BIN)/uv pip compile dev.in -p 3.11 --generate-hashes -o dev.lock

# Extract, fill and compile the zh_Hans translations.
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=media --ignore=staticfiles --ignore=tests --ignore=bench --ignore=vendor
	$(BIN)/python locale/tools/fill.py

# Re-install the front-end libraries shipped in static/vendor/ from vendor/package-lock.json.
vendor:
	cd vendor && npm ci --ignore-scripts --no-audit --no-fund
	# The map it names is not shipped: the comment goes, or collectstatic's manifest refuses it.
	sed '/^\/\/# sourceMappingURL=/d' vendor/node_modules/chart.js/dist/chart.umd.min.js \
		> static/vendor/chartjs/chart.umd.min.js
	cp vendor/node_modules/chart.js/LICENSE.md static/vendor/chartjs/

worker: install
	$(BIN)/celery -A config worker -Q payments,email,long,celery --loglevel=INFO

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO

clean:
	rm -rf var media staticfiles test-artifacts .pytest_cache
