# Kintsugi's front door. `make run` sets up and starts everything; `make test` runs every test.
.PHONY: setup run shell train validate test bench clean

setup:
	@bash scripts/setup.sh

run: setup
	@.venv/bin/kintsugi run

shell: setup
	@.venv/bin/kintsugi train && KINTSUGI_ACTION_TOKEN="$${KINTSUGI_ACTION_TOKEN:-$$(cat var/action_token 2>/dev/null)}" \
		.venv/bin/rasa shell --model models/kintsugi.tar.gz --endpoints endpoints.yml

train: setup
	@.venv/bin/kintsugi train

validate: setup
	@.venv/bin/python -m pytest -q tests/test_data_validate.py

test: setup
	@bash scripts/test-setup.sh
	@.venv/bin/python -m pytest -q -rs

bench: setup
	@.venv/bin/python bench/run.py

clean:
	rm -rf var models .pytest_cache
