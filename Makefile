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

# One worker per CPU (at most 4: every worker that reaches a stack test starts its own rasa and
# action server), whole test files per worker (a file's fixtures and order stay as written).
test: setup
	@bash scripts/test-setup.sh
	@.venv/bin/python -m pytest -q -rs -n auto --maxprocesses 4 --dist loadfile --durations=25

bench: setup
	@.venv/bin/python bench/run.py

clean:
	rm -rf var models .pytest_cache
